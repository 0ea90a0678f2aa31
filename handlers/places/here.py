"""`here`: which channels receive reminders, evaluation threads and announcements.

Typed in a channel, `here reminders` makes that channel (on that platform) a place for
reminders; `here` alone lists every place on every platform; `here remove PURPOSE` stops it.
In the console, `here` registers the console itself (platform `console`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.fanout import DELIVERED_PLATFORMS
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Notice, Outcome, Table, Where
from handlers.evaluation.notices import case_roots
from handlers.reminders.times import short_when
from storage.models import PLACE_PURPOSES, Place
from storage.outbox_views import cancel_waiting

commands = Commands()

PURPOSE_HELP = {
    "reminders": "cut-off reminders, milestones and follow-ups",
    "evaluation": "case threads where evaluation is discussed",
    "announcements": "decisions announced after each cut-off",
}
# kinds of pending messages that stop when a channel stops receiving a purpose
PURPOSE_KINDS = {
    "reminders": ("reminder.cutoff", "reminder.cutoff_closed", "milestone"),
    "evaluation": (),
    "announcements": (),
}
CONSOLE_CHANNEL = "console"


def place_label(platform: str, channel_id: str, name: str | None) -> str:
    if platform == "console":
        return "console"
    return f"#{name} ({platform})" if name else f"{channel_id} ({platform})"


def _purpose(word: str) -> str:
    purpose = word.strip().lower()
    if purpose not in PLACE_PURPOSES:
        raise CommandError(f"`{word}` is not something a channel can receive; use one of "
                           f"{', '.join(PLACE_PURPOSES)}")
    return purpose


def current_channel(ctx: Context) -> Where:
    """The channel the command was typed in; the console is one channel of its own."""
    where = ctx.request.where
    if where is not None and where.channel_id:
        return where
    if ctx.actor.platform == "console":
        return Where("console", channel_id=CONSOLE_CHANNEL, channel_name="console")
    raise CommandError("I cannot tell which channel this is: type the command in the channel "
                       "itself.", show_usage=False)


def list_places(session: Session) -> list[Place]:
    return list(session.scalars(select(Place).order_by(Place.purpose, Place.platform, Place.id)))


@commands.command("here", usage="here [reminders|evaluation|announcements]",
                  summary="make this channel receive reminders, evaluation or announcements; "
                          "`here` alone lists the places",
                  roles=SECRETARIAT, writes=True)
def here(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        return Outcome(_places_card(ctx))
    purpose = _purpose(args.positional[0])
    where = current_channel(ctx)
    platform, channel_id = where.platform, where.channel_id or CONSOLE_CHANNEL
    place = ctx.session.scalar(select(Place).where(
        Place.platform == platform, Place.purpose == purpose, Place.channel_id == channel_id))
    label = place_label(platform, channel_id, where.channel_name)
    if place is not None:
        changed = _refresh(place, where)
        if changed:
            ctx.audit("place", place.id, "refresh", changed[0], changed[1])
        return Outcome(Card(title=f"{label} already receives {purpose}",
                            text=(f"Nothing changed. It gets {PURPOSE_HELP[purpose]}.",)))
    place = Place(platform=platform, purpose=purpose, channel_id=channel_id,
                  name=where.channel_name, conversation_ref=where.conversation_ref,
                  registered_by=ctx.actor.person_id, registered_at=ctx.now)
    ctx.session.add(place)
    ctx.session.flush()
    ctx.audit("place", place.id, "register", None,
              {"platform": platform, "purpose": purpose, "channel_id": channel_id})
    # the cases already in evaluation open their threads here too
    roots: list[Notice] = []
    if purpose == "evaluation" and platform in DELIVERED_PLATFORMS:
        roots = case_roots(ctx.session, ctx.config, platform, channel_id)
    text = [f"From now on this channel gets {PURPOSE_HELP[purpose]}."]
    if roots:
        text.append(f"The card of each case in evaluation ({len(roots)}) is posted here now; "
                    "its thread is where the case is discussed and scored.")
    return Outcome(Card(title=f"{label} now receives {purpose}", text=tuple(text),
                        context=("`here` lists every place; `here remove "
                                 f"{purpose}` stops it.",), tone="success"),
                   notices=tuple(roots))


def _refresh(place: Place, where: Where) -> tuple[dict[str, object], dict[str, object]] | None:
    """A Teams conversation reference or a channel name can change; keep the latest."""
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    if where.channel_name and where.channel_name != place.name:
        before["name"], after["name"] = place.name, where.channel_name
        place.name = where.channel_name
    if where.conversation_ref and where.conversation_ref != place.conversation_ref:
        before["conversation_ref"], after["conversation_ref"] = "(previous)", "(updated)"
        place.conversation_ref = where.conversation_ref
    return (before, after) if after else None


@commands.command("here remove", usage="here remove reminders|evaluation|announcements",
                  summary="this channel stops receiving that kind of message",
                  roles=SECRETARIAT, writes=True)
def here_remove(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("say what this channel should stop receiving")
    purpose = _purpose(args.positional[0])
    where = current_channel(ctx)
    channel_id = where.channel_id or CONSOLE_CHANNEL
    place = ctx.session.scalar(select(Place).where(
        Place.platform == where.platform, Place.purpose == purpose,
        Place.channel_id == channel_id))
    label = place_label(where.platform, channel_id, where.channel_name)
    if place is None:
        raise NotFound(f"{label} does not receive {purpose}. `here` lists the places.")
    ctx.audit("place", place.id, "remove",
              {"platform": place.platform, "purpose": purpose, "channel_id": channel_id}, None)
    ctx.session.delete(place)
    cancelled = cancel_waiting(ctx.session, where.platform, channel_id, PURPOSE_KINDS[purpose],
                               f"place removed by {ctx.actor.display_name or ctx.actor.user_id}")
    more = f" {cancelled} waiting message{'s' * (cancelled != 1)} cancelled." if cancelled else ""
    return Outcome(Card(title=f"{label} no longer receives {purpose}",
                        text=(f"Removed.{more}",), tone="success"))


def _places_card(ctx: Context) -> Card:
    places = list_places(ctx.session)
    tz = ctx.config.timezone
    rows = tuple(
        (p.purpose, place_label(p.platform, p.channel_id, p.name), short_when(p.registered_at, tz))
        for p in places
    )
    missing = [p for p in PLACE_PURPOSES if p not in {place.purpose for place in places}]
    context = tuple(f"No place receives {p} yet: type `here {p}` in a channel." for p in missing)
    return Card(title="Places", text=() if rows else ("No channel is registered yet.",),
                table=Table(("Receives", "Channel", "Since"), rows) if rows else None,
                context=context)
