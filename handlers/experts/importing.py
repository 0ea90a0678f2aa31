"""Importing the expert database from CSV, all or nothing.

Every row is checked before anything is written; one bad row rejects the file and every
problem is reported with its line number. A row whose email is already known updates that
expert, so a file exported from the registration form can be imported again.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.experts.fields import ALIASES, BY_KEY, complete_new, read_fields, snapshot
from storage.models import AuditEntry, Expert, utcnow

CSV_COLUMNS = ("name", "email", "country", "region_code", "languages", "topics",
               "priority_areas", "regions_worked", "availability_days", "status",
               "conflict_regions", "conflict_organisations")
MAX_ROWS = 10_000


def import_experts(
    session: Session, csv_text: str, *, now: datetime | None = None, source: str = "cli:import"
) -> list[str]:
    """Add or update the experts in `csv_text`; returns the problems by line (empty: imported)."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    problems = _header_problems(header)
    if problems:
        return problems
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            return [f"line {line}: the file has more than {MAX_ROWS} experts; split it"]
        raw = {ALIASES.get(k, k): (v or "").strip() for k, v in record.items() if k}
        if None in record:
            problems.append(f"line {line}: more cells than columns")
            continue
        values, errors = read_fields(session, {k: v for k, v in raw.items() if v})
        status_given = "status" in values
        complete_new(values, errors)
        if not status_given:
            # a new expert starts active (the column default); an update keeps its status
            values.pop("status", None)
        email = values.get("email")
        if email in seen:
            errors["email"] = f"Email: {email} is also on line {seen[email]}"
        elif email:
            seen[email] = line
        problems.extend(f"line {line}: {message}" for message in errors.values())
        rows.append((line, values))
    if not rows and not problems:
        problems.append("line 2: the file has a header but no experts")
    if problems:
        return problems
    _write(session, [values for _, values in rows], now or utcnow(), source)
    return []


def _header_problems(header: list[str]) -> list[str]:
    if not header:
        return ["line 1: the file is empty; expected a header row: " + ",".join(CSV_COLUMNS)]
    known = {ALIASES.get(h, h) for h in header}
    unknown = [h for h in header if ALIASES.get(h, h) not in BY_KEY]
    missing = [c for c in ("name", "email", "languages", "topics", "days") if c not in known]
    if "country" not in known and "region" not in known:
        missing.append("country")
    problems = [f"line 1: unknown column `{h}`" for h in unknown]
    problems += [f"line 1: missing column `{_column(c)}`" for c in missing]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems += [f"line 1: column `{h}` appears twice" for h in duplicated]
    return problems


def _column(key: str) -> str:
    return next((c for c in CSV_COLUMNS if ALIASES.get(c, c) == key), key)


def _write(session: Session, rows: list[dict[str, Any]], now: datetime, source: str) -> None:
    emails = [values["email"] for values in rows]
    existing = {
        e.email.lower(): e
        for e in session.scalars(select(Expert).where(func.lower(Expert.email).in_(emails)))
        if e.email
    }
    for values in rows:
        expert = existing.get(values["email"])
        if expert is None:
            expert = Expert(**values)
            session.add(expert)
            session.flush()
            before, action = None, "import"
        else:
            before, action = snapshot(expert), "import update"
            for attribute, value in values.items():
                setattr(expert, attribute, value)
        session.add(AuditEntry(at=now, actor_id=None, entity="expert", entity_id=str(expert.id),
                               action=action, before=before, after=snapshot(expert),
                               source=source))
