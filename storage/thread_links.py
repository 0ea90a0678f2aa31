"""Case threads: the platform message that roots a case's thread in one channel.

When the root post of a `case:TA-...` thread is sent, its message id is linked to the case,
so a reply typed in that thread maps back to the case on every platform. Before that, when
rows of a thread are scheduled for a channel that has no root for it (registered late, or
its root never landed), `root_threads` makes one of them the root.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Application, OutboxMessage, ThreadLink

CASE_PREFIX = "case:"
# a root row in one of these states is, or will be, in its channel
LIVE = ("pending", "sending", "sent")
Place = tuple[str, str, str]  # thread key, platform, channel


def _is_live_root(row: Any) -> ColumnElement[bool]:
    """`row` (the outbox model or an alias of its table) roots its thread in its channel, and
    is, or will be, posted there."""
    return and_(row.starts_thread.is_(True), row.status.in_(LIVE))


def live_root_key(thread_key: ColumnExpressionArgument[str],
                  platform: ColumnExpressionArgument[str],
                  channel: ColumnExpressionArgument[str]) -> ColumnElement[str]:
    """In a statement: the dedupe key of the row rooting `thread_key` in that channel, if any
    (the first, as `live_roots` reads it)."""
    roots = OutboxMessage.__table__.alias("roots")
    return (select(roots.c.dedupe_key)
            .where(roots.c.thread_key == thread_key, roots.c.platform == platform,
                   roots.c.target == channel, _is_live_root(roots.c))
            .order_by(roots.c.id).limit(1).scalar_subquery())


def case_ref(thread_key: str | None) -> str | None:
    if thread_key and thread_key.startswith(CASE_PREFIX):
        return thread_key[len(CASE_PREFIX):]
    return None


def link_case_thread(
    session: Session, thread_key: str | None, platform: str, channel_id: str, message_id: str
) -> bool:
    """Record the thread root of a case thread; returns False when it is not a case thread."""
    ref = case_ref(thread_key)
    if ref is None:
        return False
    application_id = session.scalar(select(Application.id).where(Application.ref == ref))
    if application_id is None:
        return False
    make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        make(ThreadLink)
        .values(application_id=application_id, platform=platform, channel_id=channel_id,
                message_id=message_id)
        .on_conflict_do_nothing(index_elements=["platform", "channel_id", "message_id"])
    )
    return True


def linked_root(session: Session, platform: str, channel_id: str, thread_key: str) -> str | None:
    """The message that roots this case's thread in the channel, however it was posted."""
    ref = case_ref(thread_key)
    if ref is None:
        return None
    return session.scalar(
        select(ThreadLink.message_id)
        .join(Application, Application.id == ThreadLink.application_id)
        .where(Application.ref == ref, ThreadLink.platform == platform,
               ThreadLink.channel_id == channel_id)
        .order_by(ThreadLink.id)
        .limit(1)
    )


def live_roots(session: Session, thread_keys: Iterable[str]) -> dict[Place, str]:
    """The dedupe key of the row that roots each of these threads, per channel."""
    found: dict[Place, str] = {}
    keys = sorted(set(thread_keys))
    if not keys:
        return found
    rows = session.execute(
        select(OutboxMessage.thread_key, OutboxMessage.platform, OutboxMessage.target,
               OutboxMessage.dedupe_key)
        .where(OutboxMessage.thread_key.in_(keys), _is_live_root(OutboxMessage))
        .order_by(OutboxMessage.id)
    )
    for thread_key, platform, target, dedupe_key in rows:
        found.setdefault((str(thread_key), platform, target), dedupe_key)
    return found


def root_lost(session: Session, platform: str, channel_id: str, thread_key: str) -> bool:
    """The thread had a root row for this channel, and it failed or was missed."""
    return session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.platform == platform, OutboxMessage.target == channel_id,
               OutboxMessage.thread_key == thread_key, OutboxMessage.starts_thread.is_(True),
               OutboxMessage.status.not_in(LIVE))
        .limit(1)
    ) is not None


def root_threads(session: Session, rows: list[dict[str, Any]]) -> None:
    """Outbox rows of case threads about to be inserted: where their channel has no root for
    the thread, one of them becomes the root, an edit of the root before any post (an edit
    carries the whole case card); the others are posted under it once it landed. An edit
    goes to whatever row roots the thread in its channel."""
    if not rows:
        return
    roots = live_roots(session, (row["thread_key"] for row in rows))
    for row in rows:
        if row["starts_thread"]:
            roots.setdefault(_place(row), row["dedupe_key"])
    for row in sorted(rows, key=lambda row: row["edit_of"] is None):
        if row["starts_thread"]:
            continue
        root = roots.get(_place(row))
        if root is None:
            row["starts_thread"], row["edit_of"] = True, None
            roots[_place(row)] = row["dedupe_key"]
        elif row["edit_of"] is not None:
            row["edit_of"] = root


def _place(row: dict[str, Any]) -> Place:
    return row["thread_key"], row["platform"], row["target"]
