"""Reading the outbox for people (commands, digest, metrics) and putting a row back in line."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, func, select, text, update
from sqlalchemy.orm import Session

from storage.models import OUTBOX_STATUSES, OutboxMessage

PROBLEMS = ("failed", "missed")


def depth_and_oldest_due(session: Session, now: datetime) -> dict[str, tuple[int, datetime | None]]:
    """Rows per state, and per state the earliest `due_at` among rows already due."""
    already_due = case((OutboxMessage.due_at <= now, OutboxMessage.due_at))
    rows = session.execute(
        select(OutboxMessage.status, func.count(), func.min(already_due))
        .group_by(OutboxMessage.status)
    )
    found: dict[str, tuple[int, datetime | None]] = dict.fromkeys(OUTBOX_STATUSES, (0, None))
    found.update({status: (int(n), oldest) for status, n, oldest in rows})
    return found


def problem_rows(session: Session, *, limit: int, offset: int = 0) -> list[OutboxMessage]:
    """Failed and missed rows, the most recently due first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(PROBLEMS))
            .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def count_problems(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(PROBLEMS))
        ) or 0
    )


def missed_between(
    session: Session, start: datetime, end: datetime, *, limit: int
) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "missed", OutboxMessage.due_at >= start,
                   OutboxMessage.due_at < end)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def waiting_rows(session: Session, *, limit: int) -> list[OutboxMessage]:
    """Rows not delivered yet (pending or being sent), the soonest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("pending", "sending")))
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def put_back(session: Session, row: OutboxMessage, now: datetime) -> None:
    """A person asked to try a failed or missed row again: due now, however late it is."""
    row.status = "pending"
    row.due_at = now
    row.useful_until = None
    row.attempts = 0
    row.lease_until = None
    row.claimed_by = None
    row.error = None


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return set()
    return set(
        session.scalars(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(wanted)))
    )


def cancel_waiting(session: Session, platform: str, target: str, kinds: tuple[str, ...],
                   reason: str) -> int:
    """Pending rows of these kinds for one channel fail with `reason` (the place was removed)."""
    rows = list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.platform == platform, OutboxMessage.target == target,
                OutboxMessage.status == "pending", OutboxMessage.kind.in_(kinds),
            )
        )
    )
    for row in rows:
        row.status = "failed"
        row.error = reason
    return len(rows)


def record_missed(session: Session, keys: Iterable[str], reason: str) -> int:
    """Rows just scheduled for a reminder that came too late: `missed`, with the reason."""
    wanted = list(keys)
    if not wanted:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key.in_(wanted), OutboxMessage.status == "pending")
        .values(status="missed", error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def try_singleton_lock(session: Session, name: str) -> bool:
    """Hold a PostgreSQL advisory lock until the transaction ends; one replica wins.

    SQLite runs a single replica (see docs/operations.md), so there is nothing to lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))
