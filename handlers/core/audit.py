"""Audit rows and status moves for code that runs with or without a person asking.

Commands pass `ctx.audit`; the scheduler passes an `Auditor` with no actor. Both have the
same call signature, so the evaluation core does not care who drives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import Application, AuditEntry, table_of
from storage.status import check_transition

# nearly every write command adds one: inserted at once, built once (a flush of the ORM's
# unit of work would cost several times the insert)
_RECORD = insert(table_of(AuditEntry))


class Audit(Protocol):
    def __call__(
        self,
        entity: str,
        entity_id: object,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...


@dataclass
class Auditor:
    """Writes audit rows for work nobody typed (the scheduler's tick)."""

    session: Session
    at: datetime
    actor_id: int | None = None
    source: str = "scheduler"

    def __call__(
        self,
        entity: str,
        entity_id: object,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.execute(_RECORD, {
            "at": self.at, "actor_id": self.actor_id, "entity": entity,
            "entity_id": str(entity_id), "action": action, "before": before, "after": after,
            "source": self.source})


def move_status(app: Application, wanted: str, audit: Audit, reason: str | None = None) -> None:
    """Change a case's status along an allowed transition, with its audit row."""
    check_transition(app.status, wanted)
    force_status(app, wanted, audit, reason)


def force_status(app: Application, wanted: str, audit: Audit, reason: str | None = None) -> None:
    """Change a case's status without the transition table (a decision revised before it
    was announced); callers check their own rule first."""
    before = {"status": app.status, "reason": app.status_reason}
    app.status = wanted
    app.status_reason = reason
    audit("application", app.ref, "status", before, {"status": wanted, "reason": reason})
