"""Settling a claimed outbox row: sent, tried again later, failed, missed or handed back.

Every update names the worker that holds the lease, so a worker whose lease ran out (and
whose row another worker took over) cannot overwrite the newer attempt's result.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from storage.db import Database
from storage.letters import LETTER_KIND, record_letter_sent
from storage.models import OutboxMessage
from storage.thread_links import link_case_thread

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 8
_ERROR_LIMIT = 1000


def backoff(attempts: int) -> timedelta:
    """Wait 30 s, 1 min, 2 min, ... after each failed attempt, never more than an hour."""
    exponent = max(0, attempts - 1)
    if exponent > 16:
        return BACKOFF_MAX
    wait: timedelta = BACKOFF_BASE * (2**exponent)
    return min(wait, BACKOFF_MAX)


def _held(row_id: int, worker_id: str) -> tuple[object, ...]:
    return (
        OutboxMessage.id == row_id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_by == worker_id,
    )


def mark_sent(
    db: Database, row_id: int, worker_id: str, message_id: str, now: datetime
) -> bool:
    """Record the platform's message id; a sent case-thread root is linked to its case, and
    a delivered letter marks its applicant informed."""
    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id, with_for_update=not db.is_sqlite)
        if row is None or row.status != "sending" or row.claimed_by != worker_id:
            return False
        row.status = "sent"
        row.message_id = message_id
        row.sent_at = now
        row.lease_until = None
        row.error = None
        if row.starts_thread:
            link_case_thread(session, row.thread_key, row.platform, row.target, message_id)
        if row.kind == LETTER_KIND:
            record_letter_sent(session, row.dedupe_key, message_id, now)
        return True


def retry_later(
    db: Database,
    row_id: int,
    worker_id: str,
    error: str,
    now: datetime,
    *,
    retry_after: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Back off and try again, or give up after `max_attempts`; returns the new status."""
    with db.transaction() as session:
        row = session.get(OutboxMessage, row_id, with_for_update=not db.is_sqlite)
        if row is None or row.status != "sending" or row.claimed_by != worker_id:
            return "lost"
        row.error = error[:_ERROR_LIMIT]
        row.lease_until = None
        if row.attempts >= max_attempts:
            row.status = "failed"
            return "failed"
        wait = backoff(row.attempts)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        row.status = "pending"
        row.due_at = now + wait
        return "pending"


def _settle(db: Database, row_id: int, worker_id: str, **values: object) -> bool:
    with db.transaction() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(*_held(row_id, worker_id))  # type: ignore[arg-type]
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


def mark_failed(db: Database, row_id: int, worker_id: str, error: str) -> bool:
    """The platform refused the row for good (channel gone, bot removed, bad card)."""
    return _settle(db, row_id, worker_id, status="failed", error=error[:_ERROR_LIMIT])


def mark_missed(db: Database, row_id: int, worker_id: str, reason: str) -> bool:
    return _settle(db, row_id, worker_id, status="missed", error=reason[:_ERROR_LIMIT])


def release(db: Database, row_id: int, worker_id: str) -> bool:
    """Hand a claimed row back untouched (its lease is about to run out, or we stop)."""
    return _settle(db, row_id, worker_id, status="pending", claimed_by=None)
