"""What every `s3desk` subcommand shares: settings, the store, clear failures, quiet logs.

Kept apart from `bot.cli.main` so command modules (the server, Slack, Teams) can import it
while `bot.cli.main` imports them, without an import cycle.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.config import Settings, SettingsError, load_settings
from storage.db import Database, null_pool_database

# exit codes: 1 the work could not be done, 2 the command was given wrongly
FAILED = 1
USAGE = 2


def fail(message: str, code: int = FAILED) -> NoReturn:
    """Say what went wrong on stderr and leave with `code`; never a traceback."""
    typer.echo(f"s3desk: {message}", err=True)
    raise typer.Exit(code)


def say(message: str) -> None:
    typer.echo(message)


def note(message: str) -> None:
    """A remark for the operator that must not mix with data written to stdout."""
    typer.echo(message, err=True)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(f"the environment is not usable: {exc}", USAGE)


def shown_url(url: str) -> str:
    """The database URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable DATABASE_URL)"


def open_database(config: Settings, *, migrate: bool, one_shot: bool = True) -> Database:
    """The store named by DATABASE_URL, brought to the latest schema when `migrate`."""
    try:
        db = null_pool_database(config.database_url) if one_shot else Database(
            config.database_url)
    except ArgumentError:
        fail(f"DATABASE_URL is not a database URL: {shown_url(config.database_url)}", USAGE)
    except ImportError as exc:
        fail(f"the database driver is missing: {exc}")
    if migrate:
        # alembic takes a noticeable part of a second to import: only when migrating
        from storage.migrate import upgrade

        with database_errors(db):
            upgrade(db)
    return db


@contextmanager
def database_errors(db: Database) -> Iterator[None]:
    """A database that cannot be reached or used becomes one clear line, not a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if "no such table" in reason or ("does not exist" in reason and "relation" in reason):
            reason += " (run `s3desk db upgrade` first)"
        fail(f"database {shown_url(db.url)}: {reason}")


class _OneLine(logging.Formatter):
    """Log lines without tracebacks: the terminal shows what happened, not the stack."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if not debug:
        handler.setFormatter(_OneLine())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    # alembic announces every migration step at INFO; the CLI says what matters itself
    logging.getLogger("alembic").setLevel(logging.INFO if debug else logging.WARNING)
