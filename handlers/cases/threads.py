"""Case threads: a command typed inside a case's thread may leave out the reference.

The messenger records each case's root post as a `ThreadLink` when it lands; the platform
adapters pass the thread they saw as `Where.thread_id`, and these functions map it back.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from handlers.core.errors import CommandError
from handlers.core.lookup import REF_PATTERN
from handlers.core.types import Where
from storage.models import Application, ThreadLink


def _thread_filter(platform: str, channel_id: str | None,
                   thread_id: str) -> ColumnElement[bool]:
    condition = (ThreadLink.platform == platform) & (ThreadLink.message_id == thread_id)
    if channel_id is not None:
        condition &= ThreadLink.channel_id == channel_id
    return condition


def case_for_thread(session: Session, platform: str, channel_id: str | None,
                    thread_id: str | None) -> Application | None:
    """The case whose thread this is, or None outside a case thread."""
    if not thread_id:
        return None
    return session.scalar(
        select(Application).join(ThreadLink, ThreadLink.application_id == Application.id)
        .where(_thread_filter(platform, channel_id, thread_id)).limit(1)
    )


def ref_for_thread(session: Session, where: Where | None) -> str | None:
    """The case reference of a thread, read without loading the case (so the caller can
    then lock and load it fresh)."""
    if where is None or not where.thread_id:
        return None
    return session.scalar(
        select(Application.ref).join(ThreadLink, ThreadLink.application_id == Application.id)
        .where(_thread_filter(where.platform, where.channel_id, where.thread_id)).limit(1)
    )


def looks_like_ref(word: str | None) -> bool:
    return word is not None and bool(REF_PATTERN.match(word.strip().upper()))


def case_ref(session: Session, first_word: str | None, where: Where | None,
             example: str) -> tuple[str, bool]:
    """The reference a command names, or its thread's; and whether it was typed."""
    if looks_like_ref(first_word):
        return str(first_word).strip().upper(), True
    ref = ref_for_thread(session, where)
    if ref is None:
        raise CommandError(f"name the case, e.g. `{example}` (inside a case's thread the "
                           "reference may be left out)")
    return ref, False
