"""The `s3desk` command: the console, the database, demo data and role grants.

Other parts of S3 Desk add their own subcommands: each module named in COMMAND_MODULES
exposes `register(app)` and is imported when the command starts.
"""

from __future__ import annotations

import importlib
import logging
import sys
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli.support import (
    USAGE,
    configure_logging,
    database_errors,
    fail,
    open_database,
    say,
    settings,
    shown_url,
)
from bot.edge import system_clock
from storage.models import Role

# modules that add subcommands; each exposes `register(app: typer.Typer)`
COMMAND_MODULES: tuple[str, ...] = (
    "bot.cli.files",
    "bot.server",
    "bot.slack.socket",
    "bot.teams.package",
    "bot.teams.link",
)
# long-running services log on their own terms (timestamps, INFO); the rest stay terse
SERVICE_COMMANDS = frozenset({"serve", "slack-socket"})


class Platform(StrEnum):
    slack = "slack"
    teams = "teams"
    console = "console"


def _root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Log details and tracebacks.")] = False,
) -> None:
    """S3 Desk: the Targeted Support desk in Slack, Teams and this terminal."""
    if ctx.invoked_subcommand not in SERVICE_COMMANDS:
        configure_logging(debug)
    elif debug:
        logging.basicConfig(level=logging.DEBUG,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def console(
    as_name: Annotated[str | None, typer.Option(
        "--as", metavar="NAME", help="Act as this console identity.")] = None,
    demo: Annotated[bool, typer.Option(
        "--demo", help="Load the demo programme into an empty database, no question.")] = False,
) -> None:
    """Type the chat commands in this terminal, as one person, on the same database."""
    from bot.console.messages import BackgroundMessenger
    from bot.console.session import LineIO, run_console
    from bot.console.start import NoSuchPerson, choose_identity, offer_demo
    from handlers.commands import load_registry
    from handlers.core.desk import Desk

    config = settings()
    db = open_database(config, migrate=True, one_shot=False)
    programme = config.programme()
    io = LineIO(sys.stdin, sys.stdout)
    with database_errors(db):
        offer_demo(db, programme, system_clock(), say, io.ask if io.terminal else None,
                   wanted=demo)
        try:
            user = choose_identity(db, as_name, system_clock(), say)
        except NoSuchPerson as exc:
            fail(str(exc), USAGE)
        desk = Desk(db, load_registry(), programme)
        say(f"S3 Desk console on {shown_url(db.url)}, as {user}. "
            "Type `help` for commands, `quit` (or Ctrl-D) to leave.")
        # an open terminal also shows reminders due to console places; a piped run does not,
        # so its transcript is exactly the commands' answers
        messages = BackgroundMessenger(db, sys.stdout) if io.terminal else None
        if messages is not None:
            messages.start()
        try:
            run_console(desk, user, sys.stdin, sys.stdout)
        finally:
            if messages is not None:
                messages.stop()
    db.dispose()


def db_upgrade() -> None:
    """Bring the database schema to the latest version (and load reference data)."""
    config = settings()
    db = open_database(config, migrate=True)
    say(f"Database {shown_url(db.url)} is up to date.")


def demo_data(
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Do nothing (and succeed) if the database is not empty.")] = False,
) -> None:
    """Fill an EMPTY database with a realistic, fictional programme to try S3 Desk on."""
    from bot.demo.programme import NotEmpty, load_demo

    config = settings()
    db = open_database(config, migrate=True)
    with database_errors(db):
        try:
            summary = load_demo(db, system_clock(), config.programme())
        except NotEmpty as exc:
            if if_empty:
                return
            fail(f"{exc} (use an empty DATABASE_URL, or --if-empty to skip quietly)")
    for line in summary.lines():
        say(line)


def grant(
    platform: Annotated[Platform, typer.Option(help="Where the person chats.")],
    user: Annotated[str, typer.Option(
        metavar="ID", help="Their id there: Slack U…, Teams AAD object id, console name.")],
    role: Annotated[Role, typer.Option(help="The role to give.")],
    name: Annotated[str | None, typer.Option(help="Their full name.")] = None,
    email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
    country: Annotated[str | None, typer.Option(
        metavar="CC", help="Their country (evaluators: for conflict rules).")] = None,
) -> None:
    """Give a person a role by their chat identity (created if new)."""
    from handlers.people.grants import GrantError, grant_role

    config = settings()
    db = open_database(config, migrate=True)
    with database_errors(db):
        try:
            with db.transaction() as session:
                granted = grant_role(session, platform=platform.value, user_id=user,
                                     role=role.value, now=system_clock(), source="cli:grant",
                                     name=name, email=email, country=country)
        except GrantError as exc:
            fail(str(exc), USAGE)
    what = "Created" if granted.created else "Updated"
    say(f"{what} {granted.name} ({platform.value}:{user}): roles "
        f"{', '.join(sorted(granted.roles_after))}.")


def build_app() -> typer.Typer:
    app = typer.Typer(name="s3desk", no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, callback=_root)
    app.command("console")(console)
    app.command("demo-data")(demo_data)
    app.command("grant")(grant)
    database = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
    database.command("upgrade")(db_upgrade)
    app.add_typer(database, name="db")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


app = build_app()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(130)
    except Exception as exc:  # the last guard: one line, no traceback
        if "--debug" in sys.argv[1:2]:
            raise
        sys.stderr.write(f"s3desk: unexpected error: {type(exc).__name__}: {exc}\n")
        sys.exit(1)
