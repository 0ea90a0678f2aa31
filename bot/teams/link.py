"""`s3desk link`: the operator joins two chat accounts of one person, without a chat code.

People join their own accounts with `link` / `link CODE` in chat; this is for an operator
who already knows both ids (say, a Slack user id and a Teams AAD object id).
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import USAGE, database_errors, fail, open_database, say, settings
from bot.edge import system_clock
from storage.models import PLATFORMS


def _account(text: str) -> tuple[str, str]:
    platform, _, user = text.partition(":")
    if platform not in PLATFORMS or not user.strip():
        fail(f"`{text}` is not an account: write PLATFORM:ID, e.g. teams:<AAD object id> "
             f"({', '.join(PLATFORMS)})", USAGE)
    return platform, user.strip()


def link_command(
    registered: Annotated[str, typer.Argument(
        help="An account of the person, e.g. slack:U012ABC.", metavar="PLATFORM:ID")],
    other: Annotated[str, typer.Argument(
        help="The account to join to them, e.g. teams:<AAD object id>.",
        metavar="PLATFORM:ID")],
    use_second_details: Annotated[bool, typer.Option(
        "--use-second-details",
        help="Take the name, email and country of the second account's person where the "
             "two differ (by default the first person's are kept).")] = False,
) -> None:
    """Join a second chat account to the person behind the first (audited). Every difference
    in name, email or country between the two people is reported."""
    from handlers.core.errors import CommandError
    from handlers.people.linking import link_accounts

    person_platform, person_user = _account(registered)
    platform, user_id = _account(other)
    db = open_database(settings(), migrate=True)
    with database_errors(db):
        try:
            with db.transaction() as session:
                what, details = link_accounts(
                    session, system_clock(), "cli:link", person_platform=person_platform,
                    person_user=person_user, platform=platform, user_id=user_id,
                    prefer_other=use_second_details)
        except CommandError as exc:
            fail(exc.message, USAGE)
    say(f"{other} {what} with {registered}.")
    for line in details:
        say(f"  {line}")
    if any(line.startswith("kept ") for line in details):
        say("  (--use-second-details takes the second account's instead; `s3desk grant "
            "... --name/--country` corrects a detail later)")


def register(cli: typer.Typer) -> None:
    cli.command("link")(link_command)
