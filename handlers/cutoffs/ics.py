"""`cutoffs ics`: the address of the calendar feed (cut-offs, reminder dates, milestones).

`s3desk serve` answers `GET /calendar.ics?token=...` once the feed has a secret token: the
operator's `S3DESK_CALENDAR_TOKEN`, or one the secretariat issues here with `cutoffs ics
new` (kept in the store; issuing again replaces it, `cutoffs ics off` removes it). Whoever
has the address reads the feed, so it is shown only to the secretariat and observers, and
only to the one who asked. The audit log records that a token was issued, never the token.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import READERS, SECRETARIAT, Commands
from handlers.core.types import Card, Outcome
from storage.models import Setting

commands = Commands()

FEED_PATH = "/calendar.ics"
TOKEN_SETTING = "calendar.token"
TOKEN_BYTES = 24


def stored_token(session: Session) -> str | None:
    row = session.get(Setting, TOKEN_SETTING)
    return str(row.value) if row is not None and row.value else None


def feed_tokens(session: Session, config: ProgrammeConfig) -> list[str]:
    """The tokens that open the feed now; none means the feed is off."""
    return [t for t in (config.calendar_token, stored_token(session)) if t]


def feed_address(config: ProgrammeConfig, token: str) -> str:
    return f"{(config.public_url or '').rstrip('/')}{FEED_PATH}?token={token}"


def _feed_card(config: ProgrammeConfig, token: str, title: str = "Calendar feed") -> Card:
    context = [f"Subscribe to it in your calendar (add a calendar from the internet, or by "
               f"URL). Times are in {config.timezone.key} time. Keep the address to yourself: "
               "whoever has it can read the feed."]
    if not config.public_url:
        context.append("Put the server's public address in front of it; with "
                       "S3DESK_PUBLIC_URL set, the whole address shows here.")
    return Card(title=title, text=(feed_address(config, token),), context=tuple(context),
                tone="success")


@commands.command("cutoffs ics", usage="cutoffs ics", roles=READERS,
                  summary="the address of the calendar feed of cut-offs, reminders and "
                          "milestones")
def show_feed(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    tokens = feed_tokens(ctx.session, ctx.config)
    if not tokens:
        return Outcome(Card(title="The calendar feed is off", text=(
            "The secretariat turns it on with `cutoffs ics new`, or the server's operator "
            "sets S3DESK_CALENDAR_TOKEN.",)))
    return Outcome(_feed_card(ctx.config, tokens[0]))


def _refuse_when_operator_set(config: ProgrammeConfig) -> None:
    if config.calendar_token:
        raise CommandError("The feed's token is set by the server's operator "
                           "(S3DESK_CALENDAR_TOKEN); it is changed there.", show_usage=False)


@commands.command("cutoffs ics new", usage="cutoffs ics new", roles=SECRETARIAT, writes=True,
                  summary="a new secret address for the calendar feed (the old one stops "
                          "working)")
def new_feed_token(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    _refuse_when_operator_set(ctx.config)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ctx.session.get(Setting, TOKEN_SETTING)
    replaced = row is not None
    if row is None:
        ctx.session.add(Setting(key=TOKEN_SETTING, value=token, updated_at=ctx.now))
    else:
        row.value, row.updated_at = token, ctx.now
    ctx.audit("calendar", "feed", "token", None, {"replaced": replaced})
    title = "Calendar feed: new address" if replaced else "Calendar feed on"
    card = _feed_card(ctx.config, token, title)
    if replaced:
        card = Card(title=card.title, text=card.text, tone=card.tone,
                    context=("The previous address no longer works.", *card.context))
    return Outcome(card)


@commands.command("cutoffs ics off", usage="cutoffs ics off", roles=SECRETARIAT, writes=True,
                  summary="turn the calendar feed off")
def feed_off(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    _refuse_when_operator_set(ctx.config)
    row = ctx.session.get(Setting, TOKEN_SETTING)
    if row is None:
        return Outcome(Card(title="The calendar feed is already off"))
    ctx.session.delete(row)
    ctx.audit("calendar", "feed", "off", None, None)
    return Outcome(Card(title="Calendar feed off", text=(
        "Its address no longer works; `cutoffs ics new` gives a new one.",), tone="success"))
