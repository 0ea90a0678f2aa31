"""`decide`: the proposal for a cut-off, its confirmation, and decisions case by case.

`decide cutoff:DATE` shows the proposal with a reason per case and remembers what it showed;
`decide cutoff:DATE confirm` applies exactly that proposal, and refuses (showing the new
one) if anything it rests on changed in between. `decide REF approve|reject|reserve REASON`
decides or revises one case; a decision can be revised, with a reason, until it is
announced (a case on the reserve list may still move to approve or reject afterwards).
"""

from __future__ import annotations

import json

from sqlalchemy import select

from handlers.core.audit import force_status, move_status
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Fact, Notice, Outcome, Table, Tone
from handlers.cutoffs.queries import approved_in, capacity_of, find_cutoff, long_date
from handlers.decisions.proposal import Proposal, build_proposal
from handlers.evaluation.notices import decision_notices
from handlers.evaluation.panel import progress_of
from storage.models import Application, Decision, Setting

commands = Commands()

USAGE = ("decide cutoff:DATE [confirm [CODE]] | "
         "decide REF approve|reject|reserve REASON")
OUTCOME_STATUS = {"approve": "approved", "reject": "rejected", "reserve": "reserve",
                  "ineligible": "ineligible"}


def _proposal_key(proposal: Proposal) -> str:
    return f"proposal:{proposal.cutoff.date.isoformat()}"


@commands.command("decide", usage=USAGE, summary="propose, confirm or record decisions",
                  roles=SECRETARIAT, writes=True)
def decide(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"cutoff"})
    if "cutoff" in args.options:
        cutoff = find_cutoff(ctx.session, args.options["cutoff"], for_update=True)
        proposal = build_proposal(ctx.session, cutoff, ctx.config)
        words = [w.lower() for w in args.positional]
        if not words:
            return _show(ctx, proposal, "Decision proposal")
        if words[0] != "confirm" or len(words) > 2:
            raise CommandError("after cutoff:DATE only `confirm [CODE]` may follow")
        return _confirm(ctx, proposal, words[1] if len(words) == 2 else None)
    if len(args.positional) < 2:
        raise CommandError("name a cut-off (`decide cutoff:DATE`) or a case and an outcome")
    return decide_case(ctx, args.positional[0], args.positional[1].lower(), args.rest(2))


def _show(ctx: Context, proposal: Proposal, title: str, *, tone: Tone = "info") -> Outcome:
    """Show the proposal and remember exactly what was shown, for `confirm`."""
    day = proposal.cutoff.date.isoformat()
    key = _proposal_key(proposal)
    stored = ctx.session.get(Setting, key)
    shown = {"digest": proposal.digest,
             "items": [[i.ref, i.outcome, i.reason] for i in proposal.items]}
    before = json.loads(stored.value) if stored else None
    if stored is None:
        ctx.session.add(Setting(key=key, value=json.dumps(shown), updated_at=ctx.now))
    else:
        stored.value, stored.updated_at = json.dumps(shown), ctx.now
    if before is None or before.get("digest") != proposal.digest:
        ctx.audit("proposal", day, "show", {"digest": before["digest"]} if before else None,
                  {"digest": proposal.digest})
    rows = tuple((i.ref, i.outcome, i.reason) for i in proposal.items)
    capacity = "no limit" if proposal.capacity is None else str(proposal.capacity)
    facts = [Fact("Capacity", capacity), Fact("Approved earlier", str(proposal.approved_before)),
             Fact("Proposal code", proposal.digest)]
    if proposal.bonus:
        facts.append(Fact("Priority bonus", str(proposal.bonus)))
    context = ["Nothing changes until you confirm; case by case: "
               "`decide REF approve|reject|reserve REASON`."]
    buttons: tuple[Button, ...] = ()
    if proposal.held:
        context.insert(0, _held_text(proposal))
    if proposal.not_ready:
        context.insert(0, "Not ready, so this proposal cannot be confirmed yet: "
                       + ", ".join(f"{r} ({s.replace('_', ' ')})" for r, s in proposal.not_ready))
    elif proposal.items and not proposal.held:
        buttons = (Button("Confirm", f"decide cutoff:{day} confirm {proposal.digest}",
                          "primary"),)
    else:
        context.insert(0, "No scored case is waiting for a decision.")
    return Outcome(Card(title=f"{title}: cut-off of {long_date(proposal.cutoff.date)}",
                        table=Table(("case", "proposal", "why"), rows) if rows else None,
                        facts=tuple(facts), context=tuple(context), buttons=buttons,
                        tone=tone))


def _confirm(ctx: Context, proposal: Proposal, code: str | None) -> Outcome:
    if proposal.not_ready:
        raise CommandError("these cases are not scored yet: " + ", ".join(
            f"{r} ({s.replace('_', ' ')})" for r, s in proposal.not_ready), show_usage=False)
    if proposal.held:
        raise CommandError(_held_text(proposal), show_usage=False)
    stored = ctx.session.get(Setting, _proposal_key(proposal))
    if stored is None:
        raise CommandError(f"show the proposal first: `decide cutoff:"
                           f"{proposal.cutoff.date.isoformat()}`", show_usage=False)
    shown = json.loads(stored.value)
    if code is not None and code != shown["digest"]:
        raise CommandError(f"proposal {code} is not the one last shown ({shown['digest']}); "
                           "show it again and confirm that one", show_usage=False)
    if proposal.digest != shown["digest"]:
        # Something changed since it was shown: show the new one, decide nothing.
        return _show(ctx, proposal, "The data changed; nothing was decided. New proposal",
                     tone="warning")
    if not proposal.items:
        raise CommandError("no scored case is waiting for a decision", show_usage=False)
    notices: list[Notice] = []
    for item in proposal.items:
        app = get_application(ctx.session, item.ref, for_update=True)
        decision = _record(ctx, app, item.outcome, item.reason)
        notices += decision_notices(ctx.session, app, ctx.config, decision, "decided")
    ctx.session.delete(stored)
    ctx.audit("proposal", proposal.cutoff.date.isoformat(), "confirm", None,
              {"digest": proposal.digest, "cases": len(proposal.items)})
    counts = {o: sum(1 for i in proposal.items if i.outcome == o)
              for o in ("approve", "reserve", "reject")}
    return Outcome(Card(
        title=f"Decisions recorded: cut-off of {long_date(proposal.cutoff.date)}",
        facts=tuple(Fact(o, str(n)) for o, n in counts.items()),
        context=(f"Announce them with `announce cutoff:{proposal.cutoff.date.isoformat()}`.",),
        tone="success"), notices=tuple(notices))


def _held_text(proposal: Proposal) -> str:
    return ("Held back until the panel's consensus is recorded, so this proposal cannot be "
            "confirmed yet: " + ", ".join(
                f"{ref} (scores far apart on {', '.join(keys)}: `consensus {ref} "
                + " ".join(f"{k}=N" for k in keys) + " REASON`)"
                for ref, keys in proposal.held)
            + ". A held case may also be decided on its own.")


def _record(ctx: Context, app: Application, outcome: str, reason: str) -> Decision:
    move_status(app, OUTCOME_STATUS[outcome], ctx.audit, reason)
    decision = Decision(application_id=app.id, outcome=outcome, reason=reason,
                        decided_by=ctx.actor.person_id, decided_at=ctx.now)
    ctx.session.add(decision)
    ctx.audit("decision", app.ref, "decide", None,
              {"outcome": outcome, "reason": reason, "revision": 1})
    return decision


def decide_case(ctx: Context, ref: str, outcome: str, reason: str) -> Outcome:
    if outcome not in ("approve", "reject", "reserve"):
        raise CommandError(f"`{outcome}` is not an outcome: approve, reject or reserve")
    app = get_application(ctx.session, ref, for_update=True)
    reason = reason.strip()
    if not reason:
        raise CommandError("give the reason for the decision")
    decision = ctx.session.scalar(select(Decision).where(Decision.application_id == app.id))
    if decision is None:
        if app.status != "scored":
            progress = progress_of(ctx.session, app, ctx.config)
            raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')} ({progress.text}):"
                               " a case is decided once every evaluator has scored",
                               show_usage=False)
        decision = _record(ctx, app, outcome, reason)
        notices = decision_notices(ctx.session, app, ctx.config, decision, "decided")
        return Outcome(Card(title=f"{app.ref}: {outcome}", text=(reason,), tone="success",
                            context=_capacity_note(ctx, app, outcome)), notices=tuple(notices))
    _revise(ctx, app, decision, outcome, reason)
    notices = decision_notices(ctx.session, app, ctx.config, decision, "decided")
    return Outcome(Card(title=f"{app.ref}: decision revised to {outcome}",
                        facts=(Fact("Revision", str(decision.revision)),), text=(reason,),
                        tone="success", context=_capacity_note(ctx, app, outcome)),
                   notices=tuple(notices))


def _revise(ctx: Context, app: Application, decision: Decision, outcome: str,
            reason: str) -> None:
    if decision.outcome == "ineligible":
        hint = ("it can no longer change" if decision.announced_at is not None else
                f'to screen it in after all: `eligible {app.ref} reason:"..."`')
        raise CommandError(f"{app.ref} was screened out as ineligible, not evaluated; {hint}",
                           show_usage=False)
    if decision.outcome == outcome:
        raise CommandError(f"{app.ref} is already decided `{outcome}`", show_usage=False)
    if app.status != OUTCOME_STATUS[decision.outcome]:
        raise CommandError(f"{app.ref} has moved on to {app.status.replace('_', ' ')}; its "
                           "decision can no longer change", show_usage=False)
    before = {"outcome": decision.outcome, "reason": decision.reason,
              "revision": decision.revision,
              "announced_at": decision.announced_at.isoformat() if decision.announced_at
              else None}
    if decision.announced_at is not None:
        if decision.outcome != "reserve":
            raise CommandError(f"{app.ref}'s decision was announced on "
                               f"{decision.announced_at:%Y-%m-%d}; it can no longer be revised",
                               show_usage=False)
        # the reserve list: a later approval or rejection, announced and notified anew
        move_status(app, OUTCOME_STATUS[outcome], ctx.audit, reason)
        decision.announced_at = None
    else:
        force_status(app, OUTCOME_STATUS[outcome], ctx.audit, reason)
    decision.outcome, decision.reason = outcome, reason
    decision.decided_by, decision.decided_at = ctx.actor.person_id, ctx.now
    decision.revision += 1
    ctx.audit("decision", app.ref, "revise", before,
              {"outcome": outcome, "reason": reason, "revision": decision.revision})


def _capacity_note(ctx: Context, app: Application, outcome: str) -> tuple[str, ...]:
    if outcome != "approve":
        return ()
    ctx.session.flush()
    capacity = capacity_of(ctx.session, app.cutoff)
    approved = approved_in(ctx.session, app.cutoff)
    if capacity is not None and approved > capacity:
        return (f"Note: {approved} cases of this cut-off are now approved, over its capacity "
                f"of {capacity}.",)
    return ()
