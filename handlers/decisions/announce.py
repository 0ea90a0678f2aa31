"""Announcing a cut-off's decisions and keeping the promise that every applicant is told.

`announce cutoff:DATE` posts the decisions (reference, region, outcome: never a score) to
the announcement places, marks them announced and drafts one letter per applicant for the
secretariat. It refuses while any case of the cut-off is unscreened, being scored or
undecided, naming them. `notified REF [how]` records a letter as sent; `pending` lists who
is still waiting; `overdue_notifications` feeds the reminders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Button, Card, Fact, Notice, Outcome, Table
from handlers.cutoffs.queries import applications_of, find_cutoff, long_date
from handlers.decisions.letters import LetterError, compose
from handlers.evaluation.notices import decision_notices
from handlers.letters.drafting import decision_letter_notice
from handlers.letters.status import (
    NO_EMAIL_NOTE,
    decision_letter_states,
    undelivered_acknowledgements,
)
from storage.models import ApplicantNotification, Application, Decision, Role

commands = Commands()

WAITING = {"received": "not screened", "screening": "not screened",
           "eligible": "waiting for evaluation", "in_evaluation": "being scored",
           "scored": "waiting for a decision"}
OUTCOME_WORDS = {"approve": "approved", "reject": "not selected", "reserve": "reserve list",
                 "ineligible": "not eligible"}


@commands.command("announce", usage="announce cutoff:DATE",
                  summary="announce a cut-off's decisions and draft the applicants' letters",
                  roles=SECRETARIAT, writes=True)
def announce(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"cutoff"}, max_positional=0)
    if "cutoff" not in args.options:
        raise CommandError("name the cut-off: `announce cutoff:DATE`")
    cutoff = find_cutoff(ctx.session, args.options["cutoff"], for_update=True)
    if cutoff.closed_at is None:
        raise CommandError(f"the cut-off of {long_date(cutoff.date)} is not closed yet",
                           show_usage=False)
    blockers = [f"{a.ref} ({WAITING[a.status]})"
                for a in applications_of(ctx.session, cutoff, *WAITING)]
    if blockers:
        raise CommandError("not every case has a final decision yet: " + ", ".join(blockers),
                           show_usage=False)
    rows = ctx.session.execute(
        select(Application, Decision).join(Decision, Decision.application_id == Application.id)
        .where(Application.cutoff_id == cutoff.id, Decision.announced_at.is_(None))
        .order_by(Application.ref)
    ).all()
    if not rows:
        raise CommandError(f"every decision of {long_date(cutoff.date)} is already announced",
                           show_usage=False)
    drafts: list[Notice] = []
    threads: list[Notice] = []
    for app, decision in rows:
        try:
            composed = compose(ctx.session, app, decision)
        except LetterError as exc:
            raise CommandError(f"the {decision.outcome} letter template is broken ({exc}); "
                               f"fix it with `template set {decision.outcome} ...`",
                               show_usage=False) from None
        decision.announced_at = ctx.now
        ctx.audit("decision", app.ref, "announce", None,
                  {"outcome": decision.outcome, "revision": decision.revision})
        draft = _draft(ctx, app, decision, composed.subject, composed.body)
        drafts.append(decision_letter_notice(ctx, app, decision, composed, draft))
        if decision.outcome != "ineligible":  # screened-out cases never had a case thread
            threads += decision_notices(ctx.session, app, ctx.config, decision, "announced")
    before = cutoff.announced_at.isoformat() if cutoff.announced_at else None
    cutoff.announced_at = ctx.now
    ctx.audit("cutoff", cutoff.date.isoformat(), "announce", {"announced_at": before},
              {"announced_at": ctx.now.isoformat(), "decisions": len(rows)})
    table = Table(("case", "region", "outcome"),
                  tuple((app.ref, f"{app.region.name} ({app.region_code})",
                         OUTCOME_WORDS[d.outcome]) for app, d in rows))
    card = Card(title=f"Targeted Support: decisions of the cut-off of {long_date(cutoff.date)}",
                table=table, context=("Every applicant is being informed by the Secretariat.",),
                tone="success")
    digest = hashlib.sha256("|".join(f"{a.ref}:{d.revision}" for a, d in rows).encode())
    public = Notice(Audience("places", purpose="announcements"), card,
                    key=f"announce:{cutoff.date.isoformat()}:{digest.hexdigest()[:10]}",
                    kind="announcement")
    return Outcome(card, notices=(public, *drafts, *threads), visibility="channel")


def _draft(ctx: Context, app: Application, decision: Decision, subject: str,
           body: str) -> Notice:
    letter = ctx.session.scalar(select(ApplicantNotification)
                                .where(ApplicantNotification.application_id == app.id))
    before = None
    if letter is None:
        letter = ApplicantNotification(application_id=app.id)
        ctx.session.add(letter)
    else:
        # a case on the reserve list decided later gets a new letter in place of the first
        before = {"outcome": letter.outcome, "sent_at": letter.sent_at.isoformat()
                  if letter.sent_at else None}
    letter.outcome, letter.subject, letter.body = decision.outcome, subject, body
    letter.drafted_at = ctx.now
    letter.sent_at, letter.sent_how, letter.sent_by = None, None, None
    ctx.audit("notification", app.ref, "draft", before,
              {"outcome": decision.outcome, "subject": subject})
    contact = "erased" if app.contact_erased_at else \
        f"{app.contact_name or '-'} <{app.contact_email or 'no email'}>"
    card = Card(title=f"Letter to send: {app.ref} ({decision.outcome})",
                facts=(Fact("To", contact), Fact("Subject", subject)), text=(body,),
                buttons=(Button("Mark as sent", f"notified {app.ref} email", "primary"),),
                context=("Send it, then record it with `notified REF [how]`.",))
    return Notice(Audience("secretariat"), card,
                  key=f"letter:{app.ref}:{decision.revision}", kind="letter_draft")


@commands.command("notified", usage="notified REF [how]",
                  summary="record that the applicant's letter was sent", roles=SECRETARIAT,
                  writes=True)
def notified(ctx: Context, args: Args) -> Outcome:
    args.expect()
    if not args.positional:
        raise CommandError("name the case, e.g. `notified TA-2026-0007 email`")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    how = args.rest(1).strip() or "not said"
    _check_announced(ctx, app)
    letter = ctx.session.scalar(select(ApplicantNotification)
                                .where(ApplicantNotification.application_id == app.id))
    if letter is None:
        raise CommandError(f"{app.ref} has no letter yet: it is drafted when the decision is "
                           "announced", show_usage=False)
    if letter.sent_at is not None:
        raise CommandError(f"{app.ref}'s letter was already recorded as sent on "
                           f"{letter.sent_at:%Y-%m-%d} ({letter.sent_how})", show_usage=False)
    letter.sent_at, letter.sent_how, letter.sent_by = ctx.now, how[:200], ctx.actor.person_id
    ctx.audit("notification", app.ref, "sent", None, {"how": letter.sent_how,
                                                      "outcome": letter.outcome})
    return Outcome(Card(title=f"{app.ref}: applicant informed", tone="success",
                        facts=(Fact("Outcome", letter.outcome), Fact("How", letter.sent_how))))


def _check_announced(ctx: Context, app: Application) -> None:
    """A letter tells the applicant a decision the programme has announced: before that
    there is nothing to have sent (a reserve case decided again waits for its new one)."""
    decision = ctx.session.scalar(select(Decision).where(Decision.application_id == app.id))
    if decision is None:
        raise CommandError(f"{app.ref} has no decision yet ({app.status.replace('_', ' ')}): "
                           "there is no letter to send", show_usage=False)
    if decision.announced_at is None:
        raise CommandError(f"{app.ref}'s decision ({decision.outcome}) is not announced yet: "
                           f"`announce cutoff:{app.cutoff.date.isoformat()}` drafts the "
                           "letter; record it as sent after that", show_usage=False)


@dataclass(frozen=True)
class Waiting:
    """An applicant with a decision who has not been told yet."""

    ref: str
    organisation: str
    outcome: str
    decided_at: datetime
    days: int
    drafted: bool


def waiting_applicants(session: Session, now: datetime) -> list[Waiting]:
    """Decisions whose applicant has no sent letter for that outcome, oldest first."""
    letter = ApplicantNotification
    rows = session.execute(
        select(Application.ref, Application.applicant_organisation, Decision.outcome,
               Decision.decided_at, Decision.announced_at, letter.outcome)
        .join(Decision, Decision.application_id == Application.id)
        .outerjoin(letter, letter.application_id == Application.id)
        # a letter sent for an earlier outcome (the reserve list) does not count
        .where(or_(letter.sent_at.is_(None), letter.outcome != Decision.outcome))
        .order_by(Decision.decided_at, Application.ref)
    ).all()
    return [Waiting(ref, org, outcome, decided, (now - decided).days,
                    announced is not None and drafted_for == outcome)
            for ref, org, outcome, decided, announced, drafted_for in rows]


def overdue_notifications(session: Session, now: datetime,
                          config: ProgrammeConfig) -> list[Waiting]:
    """Applicants still not told more than `notify_within_days` after their decision."""
    limit = config.notify_within_days
    return [w for w in waiting_applicants(session, now) if w.days > limit]


@commands.command("pending", usage="pending",
                  summary="applicants with a decision who have not been told yet",
                  roles=frozenset({Role.SECRETARIAT, Role.OBSERVER}))
def pending(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    waiting = waiting_applicants(ctx.session, ctx.now)
    limit = ctx.config.notify_within_days
    states = decision_letter_states(ctx.session, [w.ref for w in waiting if w.drafted],
                                    ctx.config)
    rows = [(w.ref, w.organisation, w.outcome, f"{w.decided_at:%Y-%m-%d}", str(w.days),
             states.get(w.ref, "letter drafted") if w.drafted else "to be announced")
            for w in waiting]
    # an acknowledgement the mail server refused: the address is wrong, the decision will be too
    rows += [(u.ref, u.organisation, "acknowledgement", "-", "-",
              f"e-mail not delivered: {u.error or 'no reason given'}")
             for u in undelivered_acknowledgements(ctx.session)]
    late = sum(1 for w in waiting if w.days > limit)
    context = [f"{late} waiting more than {limit} days." if late else
               f"Every applicant is told within {limit} days of the decision."]
    if not ctx.config.letters_by_email:
        context.append(NO_EMAIL_NOTE)
    if not rows:
        return Outcome(Card(title="Every applicant with a decision has been told",
                            tone="success"))
    return Outcome(Card(title=f"{len(rows)} applicant(s) not yet informed",
                        table=Table(("case", "organisation", "outcome", "decided", "days",
                                     "state"), tuple(rows)),
                        context=tuple(context), tone="warning" if late else "info"))
