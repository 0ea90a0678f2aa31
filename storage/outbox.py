"""Claiming and settling outbox rows: the queries every messenger replica shares.

A claim takes due rows in one short transaction and leases them to one worker. On PostgreSQL
`FOR UPDATE SKIP LOCKED` lets replicas claim side by side without waiting on each other and
without taking the same row. SQLite ignores SKIP LOCKED; there a claim runs under a
process-wide lock inside a BEGIN IMMEDIATE transaction, and only one replica may run.

A row whose lease ran out while `sending` is due again: its worker may have died before or
after the platform accepted the post, so the messenger asks the platform before posting again.

An edit carries the whole new card, so of the edits of one message still waiting only the
newest goes out (a busy case would otherwise queue one edit per score, each paced in its
channel): a claim first marks the older ones `superseded`. That happens here, off the
request path that scheduled them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage.db import Database
from storage.models import OutboxMessage
from storage.thread_links import linked_root, root_lost

# rows in these states have not reached the platform yet: edits and replies wait for them
UNSETTLED = ("pending", "sending")
_SQLITE_CLAIMS = threading.Lock()


@dataclass(frozen=True)
class Claim:
    """One leased row, with what the platform needs to place it."""

    row_id: int
    dedupe_key: str
    kind: str
    platform: str
    target: str
    card: dict[str, Any]
    attempts: int
    due_at: datetime
    lease_until: datetime
    useful_until: datetime | None
    thread_key: str | None
    starts_thread: bool
    # platform message id of the thread root this row is posted under
    thread_root: str | None
    # platform message id this row replaces (an edit), if the original was sent
    edit_message_id: str | None
    # when the row was scheduled: no attempt to send it can have landed before
    created_at: datetime | None = None

    @property
    def retried(self) -> bool:
        """An earlier attempt may have reached the platform."""
        return self.attempts > 1


def claim_due(
    db: Database,
    *,
    now: datetime,
    worker_id: str,
    lease: timedelta,
    limit: int,
    platforms: tuple[str, ...],
) -> list[Claim]:
    """Lease up to `limit` due rows for `platforms` to `worker_id`, oldest first."""
    if not platforms or limit <= 0:
        return []
    if db.is_sqlite:
        with _SQLITE_CLAIMS, db.transaction() as session:
            return _claim(session, now, worker_id, lease, limit, platforms, skip_locked=False)
    with db.transaction() as session:
        return _claim(session, now, worker_id, lease, limit, platforms, skip_locked=True)


def _claim(
    session: Session,
    now: datetime,
    worker_id: str,
    lease: timedelta,
    limit: int,
    platforms: tuple[str, ...],
    *,
    skip_locked: bool,
) -> list[Claim]:
    expire_missed(session, now)
    supersede_waiting_edits(session, skip_locked=skip_locked)
    row = OutboxMessage
    original = aliased(OutboxMessage)
    root = aliased(OutboxMessage)
    original_unsent = exists().where(
        original.dedupe_key == row.edit_of, original.status.in_(UNSETTLED)
    )
    root_unsent = exists().where(
        root.platform == row.platform,
        root.target == row.target,
        root.thread_key == row.thread_key,
        root.starts_thread.is_(True),
        root.id != row.id,
        root.status.in_(UNSETTLED),
    )
    claimable = or_(
        and_(row.status == "pending", row.due_at <= now),
        and_(row.status == "sending", row.lease_until < now),
    )
    # The oldest due row of each channel only: a pass never waits on one channel's pacing
    # while other channels' rows sit behind it; the next pass takes each channel's next row.
    first_of_channel = (
        select(
            row.id,
            func.row_number()
            .over(partition_by=(row.platform, row.target), order_by=(row.due_at, row.id))
            .label("place_in_channel"),
        )
        .where(
            claimable,
            row.platform.in_(platforms),
            ~original_unsent,
            or_(row.thread_key.is_(None), row.starts_thread.is_(True), ~root_unsent),
        )
        .subquery()
    )
    stmt = (
        select(row)
        .where(row.id.in_(select(first_of_channel.c.id)
                          .where(first_of_channel.c.place_in_channel == 1)),
               # repeated here: PostgreSQL re-checks the outer conditions on a row it had to
               # wait for, so a row another worker claimed meanwhile is not taken twice
               claimable)
        .order_by(row.due_at, row.id)
        .limit(limit)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True, of=row)
    rows = list(session.scalars(stmt))
    claims = []
    for item in rows:
        item.status = "sending"
        item.lease_until = now + lease
        item.claimed_by = worker_id
        item.attempts = (item.attempts or 0) + 1
        thread_root = _thread_root(session, item)
        if thread_root is None and item.thread_key and not item.starts_thread and root_lost(
                session, item.platform, item.target, item.thread_key):
            # the thread's root never landed in this channel: this row takes its place
            item.starts_thread = True
        claims.append(
            Claim(
                row_id=item.id,
                dedupe_key=item.dedupe_key,
                kind=item.kind,
                platform=item.platform,
                target=item.target,
                card=item.card,
                attempts=item.attempts,
                due_at=item.due_at,
                lease_until=item.lease_until,
                useful_until=item.useful_until,
                thread_key=item.thread_key,
                starts_thread=item.starts_thread,
                thread_root=thread_root,
                edit_message_id=_original_message(session, item),
                created_at=item.created_at,
            )
        )
    session.flush()
    return claims


def supersede_waiting_edits(session: Session, *, skip_locked: bool = False) -> None:
    """Mark `superseded` every waiting edit of a message that has a newer waiting edit."""
    row, newer = aliased(OutboxMessage), aliased(OutboxMessage)
    older = select(row.id).where(
        row.status == "pending", row.edit_of.is_not(None),
        exists().where(newer.edit_of == row.edit_of, newer.status == "pending",
                       newer.id > row.id),
    )
    if skip_locked:
        # a row another worker holds is being sent already; never wait for it
        older = older.with_for_update(skip_locked=True, of=row)
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(older)).values(status="superseded")
        .execution_options(synchronize_session=False)
    )


def _original_message(session: Session, item: OutboxMessage) -> str | None:
    if not item.edit_of:
        return None
    return session.scalar(
        select(OutboxMessage.message_id).where(
            OutboxMessage.dedupe_key == item.edit_of, OutboxMessage.status == "sent"
        )
    )


def _thread_root(session: Session, item: OutboxMessage) -> str | None:
    if not item.thread_key or item.starts_thread:
        return None
    found = session.scalar(
        select(OutboxMessage.message_id)
        .where(
            OutboxMessage.platform == item.platform,
            OutboxMessage.target == item.target,
            OutboxMessage.thread_key == item.thread_key,
            OutboxMessage.starts_thread.is_(True),
            OutboxMessage.status == "sent",
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if found is None:
        found = linked_root(session, item.platform, item.target, item.thread_key)
    return found


def expire_missed(session: Session, now: datetime) -> int:
    """Pending rows whose usefulness ran out become `missed` (listed in the digest)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.useful_until.is_not(None),
            OutboxMessage.useful_until < now,
        )
        .values(status="missed", error="no longer useful when it could be sent")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
