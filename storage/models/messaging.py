"""What the bot sends and where: places, the outbox, case threads, processed events, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

PLACE_PURPOSES = ("reminders", "evaluation", "announcements")
# `superseded`: an edit replaced by a newer edit of the same message before it went out
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "missed", "superseded")


class Place(Base):
    """A channel registered with `here PURPOSE` on one platform."""

    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("platform", "purpose", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(String(200))
    # Teams: the ConversationReference used for proactive posts.
    conversation_ref: Mapped[dict[str, Any] | None]
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One message the bot sends on its own; scheduled insert-if-absent on `dedupe_key`."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    # channel id, or `user:<platform user id>` for a direct message
    target: Mapped[str] = mapped_column(String(300))
    # the case thread this message starts or belongs to, e.g. `case:TA-2026-0007`
    thread_key: Mapped[str | None] = mapped_column(String(100), index=True)
    # this message is the root of the thread named by `thread_key` in its channel
    starts_thread: Mapped[bool] = mapped_column(default=False)
    # when set, this row edits the message another row posted (same dedupe key)
    edit_of: Mapped[str | None] = mapped_column(String(300))
    card: Mapped[dict[str, Any]]
    due_at: Mapped[datetime]
    # after this instant a pending reminder is no longer useful and is marked missed
    useful_until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ThreadLink(Base):
    """A platform message that is a case's thread root, so replies map back to the case."""

    __tablename__ = "thread_links"
    __table_args__ = (UniqueConstraint("platform", "channel_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(Base):
    """Idempotency keys of inbound platform events already acted on (retries, replays)."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # the reply given the first time, so a replay can answer the same
    reply: Mapped[dict[str, Any] | None]


class Setting(Base):
    """Programme settings editable at run time (capacity, evaluators per case, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
