"""`reminders` (what will be sent, where, when) and `remind now` (send one at once)."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core import fanout
from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Button, Card, Fact, Notice, Outcome, Table
from handlers.places.here import place_label
from handlers.reminders.evaluation import evaluators_waiting_on
from handlers.reminders.outbox import target_label
from handlers.reminders.plan import cutoff_reminder_card
from handlers.reminders.sweep import plan
from handlers.reminders.times import short_when
from storage.models import ApplicantNotification, Cutoff, Decision, Person, Place
from storage.outbox_views import waiting_rows

commands = Commands()

_SHOWN = 15
_MAX_DAYS = 366


@commands.command("reminders", usage="reminders [days:N]",
                  summary="what reminders will be sent, where and when",
                  roles=SECRETARIAT)
def reminders(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"days"}, max_positional=0)
    text = args.options.get("days", "30")
    if not text.isdigit() or not 1 <= int(text) <= _MAX_DAYS:
        raise CommandError(f"`days:{text}` should be a number of days from 1 to {_MAX_DAYS}")
    days = int(text)
    session, tz = ctx.session, ctx.config.timezone
    rows: list[tuple[datetime, tuple[str, str, str, str]]] = []
    for item in plan(session, ctx.config, ctx.now, ctx.now + timedelta(days=days))[:_SHOWN]:
        where = _audience_label(session, item.audience)
        rows.append((item.due_at, (short_when(item.due_at, tz), item.summary, where, "planned")))
    for row in waiting_rows(session, limit=_SHOWN):
        state = row.status if row.attempts == 0 else f"{row.status}, attempt {row.attempts + 1}"
        where = target_label(session, row.platform, row.target)
        rows.append((row.due_at, (short_when(row.due_at, tz), row.kind, where, state)))
    rows.sort(key=lambda item: item[0])
    cfg = ctx.config
    steps = ", ".join(str(n) for n in sorted(cfg.reminder_days_before, reverse=True))
    facts = (
        Fact("Cut-off reminders", f"{steps} days before, at {cfg.reminder_hour:02d}:00 "
                                  f"{tz.key}"),
        Fact("Applicants", f"secretariat reminded {cfg.notify_within_days} days after a "
                           "decision if not informed"),
        Fact("Digest", f"Mondays at {cfg.reminder_hour:02d}:00, to the secretariat"),
    )
    context = [f"Next {days} days, at most {_SHOWN} planned and {_SHOWN} waiting shown."]
    if session.scalar(select(Place.id).where(Place.purpose == "reminders").limit(1)) is None:
        context.append("No channel receives reminders: type `here reminders` in one.")
    table = Table(("When", "What", "Where", "State"), tuple(r for _, r in rows))
    return Outcome(Card(
        title="Reminders", facts=facts, table=table if rows else None,
        text=() if rows else (f"Nothing is due in the next {days} days.",),
        context=tuple(context), buttons=(Button("Outbox problems", "outbox"),),
    ))


def _audience_label(session: Session, audience: Audience) -> str:
    if audience.kind == "person":
        name = session.scalar(select(Person.name).where(Person.id == audience.person_id))
        return f"{name or 'someone'} (direct)"
    if audience.kind == "secretariat":
        return "secretariat (direct)"
    places = session.execute(
        select(Place.platform, Place.channel_id, Place.name)
        .where(Place.purpose == audience.purpose).order_by(Place.id)
    ).all()
    if not places:
        return f"no {audience.purpose} place yet"
    return ", ".join(place_label(p, c, n) for p, c, n in places)


@commands.command("remind now", usage="remind now cutoff:DATE | remind now REF",
                  summary="send a reminder at once: about a cut-off, or about one case",
                  roles=SECRETARIAT, writes=True)
def remind_now(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"cutoff"}, max_positional=1)
    if "cutoff" in args.options and args.positional:
        raise CommandError("give either cutoff:DATE or a case reference, not both")
    stamp = f"{ctx.now.astimezone(dt.UTC):%Y%m%dT%H%M%S}:{uuid.uuid4().hex[:8]}"
    if "cutoff" in args.options:
        notices, what = _cutoff_now(ctx, args.options["cutoff"], stamp)
    elif args.positional:
        notices, what = _case_now(ctx, args.positional[0], stamp)
    else:
        raise CommandError("say what to remind about: cutoff:DATE or a case reference")
    targets = [t for n in notices for t in fanout.targets(ctx.session, n)]
    where = sorted({target_label(ctx.session, p, t) for p, t in targets})
    if _console_place(ctx, notices[0].audience):
        # the console shows the notices of a command typed in it at once
        where.append("this console")
    if not where:
        raise CommandError(f"Nobody can receive it: {_nobody(notices[0].audience)}",
                           show_usage=False)
    ctx.audit("outbox", notices[0].key, "remind_now", None,
              {"about": what, "messages": len(where)})
    return Outcome(
        Card(title=f"Reminder about {what} on its way",
             text=(f"{len(where)} message{'s' * (len(where) != 1)}: " + ", ".join(where),),
             tone="success"),
        notices=tuple(notices),
    )


def _console_place(ctx: Context, audience: Audience) -> bool:
    if ctx.actor.platform != "console" or audience.kind != "places":
        return False
    return ctx.session.scalar(select(Place.id).where(
        Place.platform == "console", Place.purpose == audience.purpose).limit(1)) is not None


def _nobody(audience: Audience) -> str:
    if audience.kind == "places":
        return f"no channel receives {audience.purpose}; type `here {audience.purpose}` in one."
    return "no Slack or Teams account is linked for them yet."


def _cutoff_now(ctx: Context, text: str, stamp: str) -> tuple[list[Notice], str]:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"`{text}` is not a date like 2027-03-31") from None
    cutoff = ctx.session.scalar(select(Cutoff).where(Cutoff.date == day))
    if cutoff is None:
        raise NotFound(f"No cut-off on {day.isoformat()}. `cutoffs` lists them.")
    if cutoff.closed_at is not None or cutoff.closes_at <= ctx.now:
        raise CommandError(f"the cut-off of {day.isoformat()} has already closed",
                           show_usage=False)
    card = cutoff_reminder_card(ctx.session, ctx.config, day, cutoff.id, ctx.now)
    notice = Notice(Audience("places", purpose="reminders"), card,
                    key=f"manual:cutoff:{day.isoformat()}:{stamp}", kind="reminder.cutoff")
    return [notice], f"the cut-off of {day.isoformat()}"


def _case_now(ctx: Context, text: str, stamp: str) -> tuple[list[Notice], str]:
    app = get_application(ctx.session, text)
    key = f"manual:{app.ref}:{stamp}"
    if app.status == "in_evaluation":
        waiting = evaluators_waiting_on(ctx.session, app)
        if not waiting:
            raise CommandError(f"every evaluator of {app.ref} has scored it", show_usage=False)
        card = Card(title=f"Please score {app.ref}",
                    text=("The secretariat asks for your scores on this case.",),
                    buttons=(Button(f"Open {app.ref}", f"show {app.ref}"),), tone="warning")
        return [Notice(Audience("person", person_id=p), card, key=f"{key}:{p}",
                       kind="reminder.evaluation") for p in waiting], app.ref
    decision = ctx.session.scalar(select(Decision).where(Decision.application_id == app.id))
    informed = ctx.session.scalar(select(ApplicantNotification.sent_at).where(
        ApplicantNotification.application_id == app.id))
    if decision is not None and informed is None:
        card = Card(title=f"{app.ref}: applicant not yet informed",
                    text=(f"Decided ({decision.outcome}) on "
                          f"{short_when(decision.decided_at, ctx.config.timezone)}; "
                          "the applicant must be told the outcome.",),
                    buttons=(Button(f"Open {app.ref}", f"show {app.ref}"),), tone="warning")
        return [Notice(Audience("secretariat"), card, key=key,
                       kind="reminder.applicants")], app.ref
    raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: nothing is waiting on "
                       "anyone (reminders are for cases in evaluation or decided cases whose "
                       "applicant is not informed)", show_usage=False)
