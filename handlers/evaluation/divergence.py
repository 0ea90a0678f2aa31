"""Consensus requests: when a complete panel's scores are far apart, the case's thread asks
for a consensus once per divergence episode, not on every revision while they stay apart.

An episode is one set of diverging criteria between two consensus recordings: the request
for it is remembered as an audit row (`consensus`/`request`), so a revision that leaves the
same criteria apart posts nothing, a new set of criteria is a new episode, and once a
consensus is recorded a later divergence asks again.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.audit import Audit
from handlers.core.types import Notice
from handlers.evaluation.aggregate import Aggregate, number
from handlers.evaluation.notices import thread_notice
from storage.models import Application, AuditEntry

RECORDED = ("record", "revise")


def consensus_round(session: Session, ref: str) -> int:
    """How many times a consensus was recorded for the case (each starts a new round)."""
    return session.scalar(
        select(func.count(AuditEntry.id))
        .where(AuditEntry.entity == "consensus", AuditEntry.entity_id == ref,
               AuditEntry.action.in_(RECORDED))
    ) or 0


def request_what(criteria: list[str], round_: int) -> str:
    """The key part of a request: `consensus:need,relevance` (the post's key is then
    `case:REF:consensus:need,relevance`), with `:N` after the N-th consensus."""
    what = f"consensus:{','.join(criteria)}"
    return what if round_ == 0 else f"{what}:{round_}"


def consensus_request(session: Session, app: Application, agg: Aggregate,
                      audit: Audit) -> Notice | None:
    """The thread post asking for a consensus, or None when there is nothing new to ask."""
    if not agg.divergent:
        return None
    criteria = sorted(agg.divergent)
    round_ = consensus_round(session, app.ref)
    asked = session.scalars(
        select(AuditEntry.after)
        .where(AuditEntry.entity == "consensus", AuditEntry.entity_id == app.ref,
               AuditEntry.action == "request")
    )
    wanted = {"criteria": criteria, "round": round_}
    if any(after == wanted for after in asked):
        return None
    audit("consensus", app.ref, "request", None, wanted)
    spreads = ", ".join(f"{c.label} (spread {c.spread}, mean {number(c.mean)})"
                        for c in agg.criteria if c.key in criteria)
    example = " ".join(f"{key}=N" for key in criteria)
    return thread_notice(
        app, request_what(criteria, round_), "scores far apart: consensus needed",
        text=(f"The evaluators' scores diverge on {spreads}.",
              "Please discuss here and agree a consensus; the secretariat records it with "
              f"`consensus {app.ref} {example} REASON`."),
        tone="warning",
    )
