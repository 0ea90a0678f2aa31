"""Turn notices into outbox rows, in the same transaction as the change they announce.

A notice names an audience (the places registered for a purpose, one person, or the
secretariat); here it becomes one row per concrete target on every platform, scheduled
insert-if-absent on its dedupe key so a retry or a second worker schedules nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from handlers.core.types import Audience, Notice
from storage.letters import EMAIL_PLATFORM
from storage.models import Identity, OutboxMessage, PersonRole, Place, Role, table_of
from storage.outbox_places import PlaceNotice, insert_for_places
from storage.thread_links import root_threads

# the console prints notices as they happen; it has no outbox of its own
DELIVERED_PLATFORMS = ("slack", "teams")
# reminders the scheduler computes reach console places too (a console shows them when open)
SWEEP_PLACE_PLATFORMS = ("slack", "teams", "console")
# places where case threads live: a notice there about a case with no root starts its thread
THREADED_PURPOSES = ("evaluation",)


def applicant_target(ref: str) -> str:
    """The outbox target of e-mail to a case's applicant: the case, never the address (the
    address lives in the card, which erasure scrubs; targets are kept as keys)."""
    return f"applicant:{ref}"


def row_key(notice_key: str, platform: str, target: str) -> str:
    """The dedupe key of the outbox row a notice gets for one target."""
    return f"{notice_key}:{platform}:{target}"


OUTBOX = table_of(OutboxMessage)
# the statements every command with notices sends, built once
_PLACES = (
    select(Place.platform, Place.channel_id, Place.registered_at)
    .where(Place.purpose == bindparam("purpose"),
           Place.platform.in_(bindparam("platforms", expanding=True)))
    .order_by(Place.id)
)


def targets(
    session: Session,
    notice: Notice,
    place_platforms: tuple[str, ...] = DELIVERED_PLATFORMS,
) -> list[tuple[str, str]]:
    """(platform, target) pairs the notice goes to."""
    return Targets(session, place_platforms).of(notice.audience, notice.due_at)


def audience_targets(
    session: Session,
    audience: Audience,
    due_at: datetime | None = None,
    place_platforms: tuple[str, ...] = DELIVERED_PLATFORMS,
) -> list[tuple[str, str]]:
    return Targets(session, place_platforms).of(audience, due_at)


class Targets:
    """Targets of many notices with a query per audience kind, not one per notice."""

    def __init__(self, session: Session,
                 place_platforms: tuple[str, ...] = DELIVERED_PLATFORMS) -> None:
        self.session = session
        self.place_platforms = place_platforms
        self._places: dict[str, list[tuple[str, str, datetime]]] = {}
        self._people: dict[int, list[tuple[str, str]]] = {}
        self._secretariat: list[int] | None = None

    def of(self, audience: Audience, due_at: datetime | None = None) -> list[tuple[str, str]]:
        if audience.kind == "applicant":
            return [(EMAIL_PLATFORM, applicant_target(audience.ref or ""))]
        if audience.kind == "places":
            places = self._places_for(audience.purpose or "")
            # a channel registered after a reminder fell due does not get it late
            return [(p, c) for p, c, since in places if (due_at is None or since <= due_at)
                    and audience.channel in (None, (p, c))]
        if audience.kind == "person":
            person_ids = [audience.person_id] if audience.person_id is not None else []
        else:
            if self._secretariat is None:
                self._secretariat = list(self.session.scalars(
                    select(PersonRole.person_id).where(PersonRole.role == Role.SECRETARIAT)
                    .order_by(PersonRole.person_id)))
            person_ids = self._secretariat
        self.prefetch(person_ids)
        return [t for person_id in person_ids for t in self._people[person_id]]

    def prefetch(self, person_ids: Iterable[int]) -> None:
        """Load the chat identities of these people in one query."""
        missing = sorted({p for p in person_ids if p not in self._people})
        if not missing:
            return
        for person_id in missing:
            self._people[person_id] = []
        rows = self.session.execute(
            select(Identity.person_id, Identity.platform, Identity.platform_user_id)
            .where(Identity.person_id.in_(missing), Identity.platform.in_(DELIVERED_PLATFORMS))
            .order_by(Identity.id)
        )
        for person_id, platform, user in rows:
            self._people[person_id].append((platform, f"user:{user}"))

    def _places_for(self, purpose: str) -> list[tuple[str, str, datetime]]:
        if purpose not in self._places:
            self._places[purpose] = [
                (p, c, since) for p, c, since in self.session.execute(
                    _PLACES, {"purpose": purpose, "platforms": list(self.place_platforms)})
            ]
        return self._places[purpose]


def schedule(
    session: Session,
    notices: Iterable[Notice],
    now: datetime,
    *,
    place_platforms: tuple[str, ...] = DELIVERED_PLATFORMS,
    resolver: Targets | None = None,
) -> int:
    """Insert one outbox row per notice target unless its dedupe key exists; returns rows added."""
    notices = list(notices)
    if resolver is None and len(notices) == 1 and _every_place_alike(notices[0]):
        # the usual case of a command: its places read and its rows written in one statement
        # (a case-thread notice with each place's thread root found in it too)
        return insert_for_places(session, _place_notice(notices[0], now), place_platforms, now,
                                 in_thread=_threaded(notices[0]))
    resolver = resolver or Targets(session, place_platforms)
    resolver.prefetch(n.audience.person_id for n in notices
                      if n.audience.kind == "person" and n.audience.person_id is not None)
    rows: list[dict[str, Any]] = []
    threaded: list[dict[str, Any]] = []
    for notice in notices:
        card = notice.card.to_dict()
        in_thread = _threaded(notice)
        for platform, target in resolver.of(notice.audience, notice.due_at):
            rows.append({
                "dedupe_key": row_key(notice.key, platform, target),
                "kind": notice.kind,
                "platform": platform,
                "target": target,
                "thread_key": notice.thread_key,
                "starts_thread": notice.starts_thread,
                "edit_of": row_key(notice.edit_of, platform, target) if notice.edit_of else None,
                "card": card,
                "due_at": notice.due_at or now,
                "useful_until": notice.useful_until,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            })
            if in_thread:
                threaded.append(rows[-1])
    root_threads(session, threaded)
    # older waiting edits of the same message are superseded when the messenger claims
    # (storage.outbox), not here on the request path
    return insert_all_if_absent(session, rows)


def _every_place_alike(notice: Notice) -> bool:
    """A notice for all places of a purpose, not narrowed to one channel."""
    return notice.audience.kind == "places" and notice.audience.channel is None


def _threaded(notice: Notice) -> bool:
    return bool(notice.thread_key) and notice.audience.purpose in THREADED_PURPOSES


def _place_notice(notice: Notice, now: datetime) -> PlaceNotice:
    return PlaceNotice(
        key=notice.key, kind=notice.kind, purpose=notice.audience.purpose or "",
        card=notice.card.to_dict(), due_at=notice.due_at or now, thread_key=notice.thread_key,
        starts_thread=notice.starts_thread, edit_of=notice.edit_of,
        useful_until=notice.useful_until, registered_by=notice.due_at,
    )


def insert_all_if_absent(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert-if-absent many rows, a few statements in all; returns the rows added.

    A key repeated in `rows` keeps its first row, as one insert after another would.
    """
    rows = list({row["dedupe_key"]: row for row in reversed(rows)}.values())[::-1]
    if not rows:
        return 0
    if len(rows) == 1:
        return insert_if_absent(session, rows[0])
    # one compiled statement, sent as batched multi-row inserts ("insertmanyvalues")
    stmt = _insert_if_absent(session.get_bind().dialect.name)
    return len(session.execute(stmt, rows).all())


def insert_if_absent(session: Session, row: dict[str, Any]) -> int:
    stmt = _insert_if_absent(session.get_bind().dialect.name)
    # psycopg reports rowcount -1 here; the returned ids say what was really inserted
    return len(session.execute(stmt, row).all())


@cache
def _insert_if_absent(dialect: str) -> Insert:
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    return (make(OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OUTBOX.c.id))
