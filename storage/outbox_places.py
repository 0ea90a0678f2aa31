"""One notice to every place of a purpose, scheduled by one statement.

Most commands that notify send one notice to the places of a purpose (a score edits the
case's root post in the evaluation channels). Reading the places and then inserting a row
per place costs two statements; `INSERT ... SELECT` from the places costs one, with the
same rows: one per place, keyed `<key>:<platform>:<channel>`, insert-if-absent.

A case-thread notice (a score's progress edit) finds the thread's root in each channel in
that same statement: where a channel has none, its row starts the thread; an edit goes to
the row that roots it, as `storage.thread_links.root_threads` decides for many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, bindparam, case, literal, null, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import OutboxMessage, Place, table_of
from storage.thread_links import live_root_key

OUTBOX = table_of(OutboxMessage)
COLUMNS = ("dedupe_key", "kind", "platform", "target", "thread_key", "starts_thread",
           "edit_of", "card", "due_at", "useful_until", "status", "attempts", "created_at")


@dataclass(frozen=True)
class PlaceNotice:
    """What every row of the notice shares; each place adds its platform and channel."""

    key: str
    kind: str
    purpose: str
    card: dict[str, Any]
    due_at: datetime
    thread_key: str | None = None
    starts_thread: bool = False
    edit_of: str | None = None
    useful_until: datetime | None = None
    # only places registered by then get it (a reminder is not sent to a later channel)
    registered_by: datetime | None = None


def insert_for_places(session: Session, notice: PlaceNotice, platforms: tuple[str, ...],
                      now: datetime, *, in_thread: bool = False) -> int:
    """Schedule the notice for every place of its purpose on `platforms`; rows added.
    `in_thread`: a notice in the case thread `notice.thread_key`, rooted in each place."""
    stmt = _statement(session.get_bind().dialect.name, notice.edit_of is not None,
                      notice.registered_by is not None, in_thread and not notice.starts_thread)
    params = {**vars(notice), "platforms": list(platforms), "created_at": now}
    # psycopg reports rowcount -1 here; the returned ids say what was really inserted
    return len(session.execute(stmt, params).all())


def _per_place(prefix: str) -> ColumnElement[str]:
    column = OUTBOX.c.dedupe_key if prefix == "key" else OUTBOX.c.edit_of
    return (bindparam(prefix, type_=column.type) + ":" + Place.platform + ":"
            + Place.channel_id)


@cache
def _statement(dialect: str, edits: bool, since: bool, rooted: bool = False) -> Insert:
    c = OUTBOX.c
    starts_thread: ColumnElement[bool] = bindparam("starts_thread", type_=c.starts_thread.type)
    edit_of: ColumnElement[Any] = _per_place("edit_of") if edits else null()
    if rooted:
        root = live_root_key(bindparam("thread_key"), Place.platform, Place.channel_id)
        starts_thread = case((root.is_(None), true()), else_=starts_thread)
        edit_of = case((root.is_(None), null()), else_=root) if edits else null()
    rows = select(
        _per_place("key"),
        bindparam("kind", type_=c.kind.type),
        Place.platform,
        Place.channel_id,
        bindparam("thread_key", type_=c.thread_key.type),
        starts_thread,
        edit_of,
        bindparam("card", type_=c.card.type),
        bindparam("due_at", type_=c.due_at.type),
        bindparam("useful_until", type_=c.useful_until.type),
        literal("pending"),
        literal(0),
        bindparam("created_at", type_=c.created_at.type),
    ).where(Place.purpose == bindparam("purpose"),
            Place.platform.in_(bindparam("platforms", expanding=True)))
    if since:
        rows = rows.where(Place.registered_at <= bindparam("registered_by"))
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    return (make(OUTBOX).from_select(COLUMNS, rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(c.id))
