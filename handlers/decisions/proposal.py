"""The decision proposal for one cut-off: rank the scored cases, give priority its due, and
fit the passing ones into the assignments available.

Order: passing cases by weighted total (plus the optional priority bonus per priority
ground); among equals, cases with more priority grounds (a confirmed less-developed region,
declared challenges) first, then the earlier submission. Cases below any threshold are
rejected; passing cases beyond capacity go to the reserve list. A case whose scores diverge
without a recorded consensus keeps its place in the ranking but is held: the proposal cannot
be confirmed until the consensus is recorded (or the case is decided on its own).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.cutoffs.queries import applications_of, approved_in, capacity_of, priority_bonus
from handlers.evaluation.aggregate import Aggregate, aggregate_case, number
from storage.models import Application, Cutoff

NOT_READY = ("received", "screening", "eligible", "in_evaluation")


@dataclass(frozen=True)
class Proposed:
    ref: str
    outcome: str
    reason: str
    total: Fraction
    rank: int | None


@dataclass(frozen=True)
class Proposal:
    cutoff: Cutoff
    capacity: int | None
    approved_before: int
    bonus: Fraction
    items: tuple[Proposed, ...]
    not_ready: tuple[tuple[str, str], ...]  # (ref, status) of cases not yet scored
    # (ref, diverging criteria without a consensus) of cases held back from confirmation
    held: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def digest(self) -> str:
        """A short code for exactly this proposal: confirming checks it is still the same."""
        data = {"cutoff": self.cutoff.date.isoformat(), "capacity": self.capacity,
                "approved_before": self.approved_before, "bonus": str(self.bonus),
                "items": [[i.ref, i.outcome, i.reason] for i in self.items]}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]


def priority_grounds(app: Application) -> tuple[str, ...]:
    grounds = []
    if app.cohesion_confirmed == "less_developed":
        grounds.append("less-developed region")
    if app.challenges:
        grounds.append("challenges: " + ", ".join(str(c) for c in app.challenges))
    return tuple(grounds)


def build_proposal(session: Session, cutoff: Cutoff, config: ProgrammeConfig) -> Proposal:
    capacity = capacity_of(session, cutoff)
    bonus = priority_bonus(session)
    approved_before = approved_in(session, cutoff)
    scored = [(app, aggregate_case(session, app, config))
              for app in applications_of(session, cutoff, "scored")]
    rejected = [_reject(app, agg) for app, agg in scored if not agg.passed]
    passing = sorted(((app, agg, priority_grounds(app)) for app, agg in scored if agg.passed),
                     key=lambda item: _rank_key(item[0], item[1], item[2], bonus))
    places = None if capacity is None else max(capacity - approved_before, 0)
    proposed = []
    for rank, (app, agg, grounds) in enumerate(passing, start=1):
        effective = agg.total + bonus * len(grounds)
        parts = [f"rank {rank} of {len(passing)} passing, total {number(agg.total)}"]
        if bonus and grounds:
            parts[0] += f" ({number(effective)} with the priority bonus)"
        if grounds:
            parts.append("priority: " + "; ".join(grounds))
        parts += _tie_notes(app, effective, grounds, passing, bonus)
        if places is None or rank <= places:
            within = "no capacity limit" if places is None else \
                f"within capacity ({approved_before + rank} of {capacity})"
            proposed.append(Proposed(app.ref, "approve", "; ".join([*parts, within]),
                                     agg.total, rank))
        else:
            proposed.append(Proposed(app.ref, "reserve", "; ".join(
                [*parts, f"over capacity ({capacity} assignments, {approved_before} approved "
                         "earlier)"]), agg.total, rank))
    not_ready = tuple((a.ref, a.status) for a in applications_of(session, cutoff, *NOT_READY))
    held = tuple((app.ref, agg.open_consensus) for app, agg in scored if agg.needs_consensus)
    items = [_mark_held(item, dict(held)) for item in
             proposed + sorted(rejected, key=lambda p: (-p.total, p.ref))]
    return Proposal(cutoff, capacity, approved_before, bonus, tuple(items), not_ready, held)


def _mark_held(item: Proposed, held: dict[str, tuple[str, ...]]) -> Proposed:
    if item.ref not in held:
        return item
    return Proposed(item.ref, item.outcome,
                    f"HELD: consensus open on {', '.join(held[item.ref])}; {item.reason}",
                    item.total, item.rank)


def _rank_key(app: Application, agg: Aggregate, grounds: tuple[str, ...],
              bonus: Fraction) -> tuple[Fraction, int, str, str]:
    effective = agg.total + bonus * len(grounds)
    return (-effective, -len(grounds), app.submitted_at.isoformat(), app.ref)


def _tie_notes(app: Application, effective: Fraction, grounds: tuple[str, ...],
               passing: list[tuple[Application, Aggregate, tuple[str, ...]]],
               bonus: Fraction) -> list[str]:
    """Say how a tie on the total was broken, so the secretariat can check the rule."""
    notes = []
    for other, agg, other_grounds in passing:
        if other.ref == app.ref or agg.total + bonus * len(other_grounds) != effective:
            continue
        if len(grounds) != len(other_grounds):
            side = "ahead of" if len(grounds) > len(other_grounds) else "behind"
            notes.append(f"tied with {other.ref}, {side} it on priority")
        else:
            side = "ahead of" if app.submitted_at <= other.submitted_at else "behind"
            notes.append(f"tied with {other.ref} on total and priority, {side} it by "
                         "submission time")
    return notes


def _reject(app: Application, agg: Aggregate) -> Proposed:
    below = ", ".join(f"{c.label} {number(c.mean)} < {c.threshold}" for c in agg.failed)
    return Proposed(app.ref, "reject", f"below threshold: {below}", agg.total, None)
