"""Case threads: the platform message that roots a case's thread in one channel.

When the root post of a `case:TA-...` thread is sent, its message id is linked to the case,
so a reply typed in that thread maps back to the case on every platform.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Application, ThreadLink

CASE_PREFIX = "case:"


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
