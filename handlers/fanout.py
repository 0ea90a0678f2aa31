"""Turn notices into outbox rows, in the same transaction as the change they announce.

A notice names an audience (the places registered for a purpose, one person, or the
secretariat); here it becomes one row per concrete target on every platform, scheduled
insert-if-absent on its dedupe key so a retry or a second worker schedules nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from handlers.types import Notice
from storage.models import Identity, OutboxMessage, PersonRole, Place

# the console prints notices as they happen; it has no outbox of its own
DELIVERED_PLATFORMS = ("slack", "teams")


def targets(session: Session, notice: Notice) -> list[tuple[str, str]]:
    """(platform, target) pairs the notice goes to."""
    audience = notice.audience
    if audience.kind == "places":
        rows = session.execute(
            select(Place.platform, Place.channel_id)
            .where(Place.purpose == audience.purpose, Place.platform.in_(DELIVERED_PLATFORMS))
            .order_by(Place.id)
        )
        return [(p, c) for p, c in rows]
    if audience.kind == "person":
        person_ids = [audience.person_id]
    else:
        person_ids = list(
            session.scalars(select(PersonRole.person_id).where(PersonRole.role == "secretariat"))
        )
    rows = session.execute(
        select(Identity.platform, Identity.platform_user_id)
        .where(Identity.person_id.in_(person_ids), Identity.platform.in_(DELIVERED_PLATFORMS))
        .order_by(Identity.id)
    )
    return [(p, f"user:{u}") for p, u in rows]


def schedule(session: Session, notices: Iterable[Notice], now: datetime) -> int:
    """Insert one outbox row per notice target unless its dedupe key exists; returns rows added."""
    added = 0
    for notice in notices:
        card = notice.card.to_dict()
        for platform, target in targets(session, notice):
            added += insert_if_absent(
                session,
                {
                    "dedupe_key": f"{notice.key}:{platform}:{target}",
                    "kind": notice.kind,
                    "platform": platform,
                    "target": target,
                    "thread_key": notice.thread_key,
                    "starts_thread": notice.starts_thread,
                    "edit_of": f"{notice.edit_of}:{platform}:{target}" if notice.edit_of else None,
                    "card": card,
                    "due_at": notice.due_at or now,
                    "useful_until": notice.useful_until,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                },
            )
    return added


def insert_if_absent(session: Session, row: dict[str, Any]) -> int:
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(OutboxMessage).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
