"""Finding and replacing erased personal data in every free-text and JSON column.

Contact data spreads: audit before/after, stored replies, notes, letters, the cards of posted
messages. After the owning rows are cleared, every remaining mention of the erased email or
name is replaced by `[erased]`. Messages the bot already posted are edited on the platform
too: each gets an outbox row that edits it (`edit_of`) with the scrubbed card.

Columns that identify someone (a contact's or expert's own name and email, a chat identity)
are left to the caller, which knows whose they are: a namesake elsewhere is not touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, String, Table, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from handlers.core.fanout import insert_if_absent
from storage.models import Base

ERASED = "[erased]"
SKIP_TABLES = frozenset({"regions", "alembic_version", "rubric_criteria", "ref_counters"})
# Keys and addresses the machinery relies on, and the identifying columns callers handle.
SKIP_COLUMNS = frozenset({
    "outbox.dedupe_key", "outbox.edit_of", "outbox.thread_key", "outbox.target",
    "outbox.message_id", "outbox.claimed_by", "places.channel_id", "thread_links.channel_id",
    "thread_links.message_id", "identities.platform_user_id", "identities.tenant_id",
    "applications.contact_name", "applications.contact_email", "experts.name",
    "experts.email", "people.name", "people.email", "identities.display_name",
})
# Shorter strings are codes and statuses, never free text.
MIN_FREE_TEXT_LENGTH = 60
SENT_STATUSES = ("sent", "sending")


def needle_pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive match of any needle, longest first."""
    words = sorted({n.strip() for n in needles if n and n.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    """The value with every match replaced, walking JSON lists and objects."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, pattern) for k, v in value.items()}
    return value


def _free_text_columns(table: Table) -> list[Column[Any]]:
    columns = []
    for column in table.columns:
        if column.primary_key or f"{table.name}.{column.name}" in SKIP_COLUMNS:
            continue
        kind = column.type
        if isinstance(kind, JSON | Text) or (
            isinstance(kind, String) and (kind.length or 10_000) >= MIN_FREE_TEXT_LENGTH
        ):
            columns.append(column)
    return columns


def _forms(needle: str) -> set[str]:
    """Spellings to look for in stored text: as typed, lower-case, and JSON-escaped."""
    forms = {needle, needle.lower()}
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}
    return forms


def _like(column: Column[Any], form: str) -> list[ColumnElement[bool]]:
    text = cast(column, Text) if isinstance(column.type, JSON) else column
    escaped = form.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return [text.like(f"%{escaped}%", escape="!"),
            func.lower(text).like(f"%{escaped.lower()}%", escape="!")]


class _Scrubber:
    """Rewrites selected rows with the needles replaced, and counts what it changed."""

    def __init__(self, session: Session, needles: Iterable[str], now: datetime) -> None:
        self.session = session
        self.now = now
        self.needles = sorted({n.strip() for n in needles if n and n.strip()})
        self.pattern = needle_pattern(self.needles)
        self.digest = hashlib.sha256("\n".join(self.needles).lower().encode()).hexdigest()[:12]
        self.counts: dict[str, int] = {}

    def run(self, table: Table, where: ColumnElement[bool]) -> None:
        columns = _free_text_columns(table)
        if self.pattern is None or table.name in SKIP_TABLES or not columns:
            return
        keys = list(table.primary_key.columns)
        selected = [*keys, *columns]
        if table.name == "outbox":
            selected += [table.c.status, table.c.message_id, table.c.dedupe_key,
                         table.c.edit_of, table.c.platform, table.c.target, table.c.thread_key]
        for row in self.session.execute(select(*selected).where(where)).mappings().all():
            changes: dict[str, Any] = {}
            for column in columns:
                scrubbed = scrub_value(row[column.name], self.pattern)
                if scrubbed != row[column.name]:
                    changes[column.name] = scrubbed
            if not changes:
                continue
            if table.name == "outbox" and "card" in changes:
                self.add("messages_edited", _schedule_edit(
                    self.session, row, changes["card"], self.digest, self.now))
            if "version" in table.c:
                changes["version"] = table.c.version + 1
            where_row = [k == row[k.name] for k in keys]
            self.session.execute(table.update().where(*where_row).values(**changes))
            self.add(table.name, 1)

    def add(self, key: str, n: int) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n


def scrub_everywhere(session: Session, needles: Iterable[str], now: datetime) -> dict[str, int]:
    """Replace the needles in every free-text column of every table; rows changed per table.

    `messages_edited` counts posted messages scheduled for an edit. Each column is searched
    with LIKE, so this reads whole tables: right for one person, too slow for thousands.
    """
    scrubber = _Scrubber(session, needles, now)
    if scrubber.pattern is None:
        return scrubber.counts
    session.flush()
    forms = sorted({f for n in scrubber.needles for f in _forms(n)})
    for table in Base.metadata.sorted_tables:
        columns = _free_text_columns(table)
        if columns:
            scrubber.run(table, or_(*(c for col in columns for f in forms for c in _like(col, f))))
    session.expire_all()
    return scrubber.counts


def scrub_linked(session: Session, applications: dict[int, str], needles: Iterable[str],
                 now: datetime) -> dict[str, int]:
    """Replace the needles in the rows that belong to these applications ({id: ref}).

    The rows found by key rather than by text: the application itself, rows with its
    `application_id`, its assignment's milestones, audit rows about it (entity id is its ref
    or id, or starts with its ref) and the outbox rows of its case thread.
    """
    scrubber = _Scrubber(session, needles, now)
    if scrubber.pattern is None or not applications:
        return scrubber.counts
    session.flush()
    ids, refs = list(applications), list(applications.values())
    tables = Base.metadata.tables
    for table in Base.metadata.sorted_tables:
        if table.name == "applications":
            scrubber.run(table, table.c.id.in_(ids))
        elif "application_id" in table.c:
            scrubber.run(table, table.c.application_id.in_(ids))
    assignments = select(tables["assignments"].c.id).where(
        tables["assignments"].c.application_id.in_(ids))
    scrubber.run(tables["milestones"], tables["milestones"].c.assignment_id.in_(assignments))
    audit = tables["audit_log"]
    about = [audit.c.entity_id.in_(refs + [str(i) for i in ids])]
    for size in sorted({len(ref) for ref in refs}):
        # `TA-2026-0007:kickoff` and the like: entity ids that start with the reference
        about.append(func.substr(audit.c.entity_id, 1, size).in_(
            [ref for ref in refs if len(ref) == size]))
    scrubber.run(audit, or_(*about))
    outbox = tables["outbox"]
    scrubber.run(outbox, outbox.c.thread_key.in_([f"case:{ref}" for ref in refs]))
    session.expire_all()
    return scrubber.counts


def _schedule_edit(session: Session, row: Any, card: dict[str, Any], digest: str,
                   now: datetime) -> int:
    """A posted message gets an outbox row that edits it; an unsent one is just changed."""
    if row["status"] not in SENT_STATUSES and row["message_id"] is None:
        return 0
    return insert_if_absent(session, {
        "dedupe_key": f"erase:{row['id']}:{digest}",
        "kind": "erasure",
        "platform": row["platform"],
        "target": row["target"],
        "thread_key": row["thread_key"],
        "starts_thread": False,
        "edit_of": row["edit_of"] or row["dedupe_key"],
        "card": card,
        "due_at": now,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    })

