"""`outbox`: messages that failed or were missed, and `outbox retry ID` to send one again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Outcome, Pager, Table
from handlers.places.here import place_label
from handlers.reminders.times import short_when
from storage.models import Identity, OutboxMessage, Person, Place
from storage.outbox_views import count_problems, problem_rows, put_back

commands = Commands()

_PAGE = 15
_RETRY_BUTTONS = 5
_ERROR_SHOWN = 80


def target_label(session: Session, platform: str, target: str) -> str:
    """A person's name for a direct message, a channel's name for a place."""
    if target.startswith("user:"):
        name = session.scalar(
            select(Person.name).join(Identity, Identity.person_id == Person.id)
            .where(Identity.platform == platform,
                   Identity.platform_user_id == target.removeprefix("user:"))
        )
        return f"{name or target} ({platform}, direct)"
    name = session.scalar(select(Place.name).where(Place.platform == platform,
                                                   Place.channel_id == target).limit(1))
    return place_label(platform, target, name)


def _page(args: Args) -> int:
    text = args.options.get("page", "1")
    if not text.isdigit() or int(text) < 1:
        raise CommandError(f"`page:{text}` is not a page number")
    return int(text)


@commands.command("outbox", usage="outbox [page:N]",
                  summary="messages that failed or were missed; `outbox retry ID` resends one",
                  roles=SECRETARIAT)
def outbox(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"page"}, max_positional=0)
    page = _page(args)
    total = count_problems(ctx.session)
    pages = max(1, -(-total // _PAGE))
    if page > pages:
        raise CommandError(f"there {'is' if pages == 1 else 'are'} only {pages} "
                           f"page{'s' * (pages != 1)}", show_usage=False)
    if total == 0:
        return Outcome(Card(title="Outbox: nothing failed or missed",
                            text=("Every message so far was sent or is waiting its turn.",),
                            buttons=(Button("Coming reminders", "reminders"),), tone="success"))
    rows = problem_rows(ctx.session, limit=_PAGE, offset=(page - 1) * _PAGE)
    tz = ctx.config.timezone
    table = Table(
        ("ID", "Due", "What", "Where", "State", "Why"),
        tuple((str(r.id), short_when(r.due_at, tz), r.kind,
               target_label(ctx.session, r.platform, r.target), r.status,
               _short(r.error)) for r in rows),
    )
    pager = Pager(page, pages, total,
                  previous_command=f"outbox page:{page - 1}" if page > 1 else None,
                  next_command=f"outbox page:{page + 1}" if page < pages else None)
    buttons = tuple(Button(f"Retry {r.id}", f"outbox retry {r.id}")
                    for r in rows[:_RETRY_BUTTONS])
    return Outcome(Card(title=f"Outbox: {total} failed or missed", table=table, pager=pager,
                        buttons=buttons, context=("`outbox retry ID` sends one again now.",),
                        tone="warning"))


def _short(error: str | None) -> str:
    text = (error or "").replace("\n", " ")
    return text if len(text) <= _ERROR_SHOWN else text[: _ERROR_SHOWN - 1] + "…"


@commands.command("outbox retry", usage="outbox retry ID",
                  summary="send a failed or missed message again, now",
                  roles=SECRETARIAT, writes=True)
def outbox_retry(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("give the ID shown by `outbox`")
    word = args.positional[0].removeprefix("#")
    if not word.isdigit():
        raise CommandError(f"`{args.positional[0]}` is not a message ID (a number from `outbox`)")
    row = ctx.session.get(OutboxMessage, int(word), with_for_update=True)
    if row is None:
        raise NotFound(f"No message #{word} in the outbox.")
    if row.status not in ("failed", "missed"):
        raise CommandError(f"message #{row.id} is {row.status}: only failed or missed "
                           "messages can be retried", show_usage=False)
    before = {"status": row.status, "attempts": row.attempts, "error": row.error}
    put_back(ctx.session, row, ctx.now)
    ctx.audit("outbox", row.id, "retry", before, {"status": "pending", "attempts": 0})
    where = target_label(ctx.session, row.platform, row.target)
    return Outcome(Card(title=f"Message #{row.id} will be sent again",
                        text=(f"{row.kind} to {where}, now.",), tone="success"))
