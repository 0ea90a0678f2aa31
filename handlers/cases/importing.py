"""Importing applications from CSV, all or nothing, through the same intake as `new`.

Every row is checked before anything is kept: one bad row rejects the file, and every
row's problems are listed by line number as a spreadsheet shows them (the header is line
1, the first application line 2). Good rows go through `create_application`, so
references, cut-offs, search text and audit rows are exactly those of a typed `new`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.cases.intake import register_application
from handlers.cases.intake_fields import check_intake
from handlers.core.config import ProgrammeConfig
from handlers.core.errors import CommandError
from storage.models import Application, Region
from storage.text import fold

IMPORT_COLUMNS = ("region_code", "applicant_organisation", "contact_name", "contact_email",
                  "topic", "challenges", "needs", "submitted_at")
# columns a file may add: `language` (ISO 639-1 code of the applicant's letters, default en)
OPTIONAL_COLUMNS = ("language",)
# the import file's column -> the intake field it fills
FIELD_OF = {"region_code": "region", "applicant_organisation": "organisation",
            "contact_name": "contact_name", "contact_email": "contact_email", "topic": "topic",
            "challenges": "challenges", "needs": "needs", "submitted_at": "submitted",
            "language": "language"}
MAX_ROWS = 10_000
MAX_PROBLEMS_SHOWN = 200


class ImportRejected(Exception):
    """The file was not imported; `problems` says why, line by line. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    refs: tuple[str, ...]
    # how many lines of the file were blank and skipped
    blank_lines: int = 0
    # one line per application whose own cut-off was already decided, saying where it went
    placed_later: tuple[str, ...] = ()


def decode(data: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused with its place."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected([f"line {line}: the file is not UTF-8 (byte {exc.start + 1}); "
                              "save it as 'CSV UTF-8'"]) from None


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line as a spreadsheet numbers it, {column: cell}) for every non-blank record;
    None instead of the cells when the record has more cells than the header has columns."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportRejected(["line 1: the file is empty; the first line must name the "
                                  "columns: " + ",".join(IMPORT_COLUMNS)])
        columns = [cell.strip().lower() for cell in header]
        _check_header(columns)
        for record_number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(columns):
                yield record_number, None
                continue
            cells = record + [""] * (len(columns) - len(record))
            yield record_number, dict(zip(columns, cells, strict=True))
    except csv.Error as exc:
        raise ImportRejected([f"line {reader.line_num}: the CSV cannot be read ({exc})"]) from None


def _check_header(columns: list[str]) -> None:
    known = IMPORT_COLUMNS + OPTIONAL_COLUMNS
    problems = [f"line 1: unknown column `{c}`" for c in columns if c not in known]
    problems += [f"line 1: missing column `{c}`" for c in IMPORT_COLUMNS if c not in columns]
    problems += [f"line 1: column `{c}` appears twice"
                 for c in sorted({c for c in columns if columns.count(c) > 1})]
    if problems:
        problems.append("line 1: the columns are " + ",".join(IMPORT_COLUMNS)
                        + " (and optionally " + ",".join(OPTIONAL_COLUMNS) + ")")
        raise ImportRejected(problems)


def import_applications(
    session: Session, data: bytes | str, *, now: datetime, config: ProgrammeConfig,
    source: str = "cli:import", actor_id: int | None = None,
) -> Imported:
    """Check every row, then register them all in the caller's transaction.

    Raises ImportRejected with every problem; the caller's transaction must then be rolled
    back (the CLI runs this inside `db.transaction()`, which does so on any exception).
    """
    text = decode(data) if isinstance(data, bytes) else data
    checked: list[tuple[int, Any]] = []
    problems: list[str] = []
    codes = set(session.scalars(select(Region.code)))
    seen: dict[tuple[str, str, datetime], int] = {}
    for count, (line, row) in enumerate(read_rows(text)):
        if count >= MAX_ROWS:
            raise ImportRejected([f"line {line}: more than {MAX_ROWS} applications; "
                                  "split the file"])
        if row is None:
            problems.append(f"line {line}: more cells than the header has columns "
                            "(a comma inside a value needs quotes)")
            continue
        fields, row_problems = _check_row(session, row, codes, now, config)
        if fields is not None:
            key = (fields.region.code, fold(fields.organisation), fields.submitted_at)
            if key in seen:
                row_problems.append(f"the same application as line {seen[key]}")
            seen.setdefault(key, line)
        problems.extend(f"line {line}: {p}" for p in row_problems)
        if not row_problems:
            checked.append((line, fields))
    problems.extend(_already_imported(session, checked))
    if not checked and not problems:
        problems.append("line 2: the file has a header but no applications")
    if problems:
        raise ImportRejected(_cap(sorted(problems, key=_line_of)))
    refs, placed = [], []
    for line, fields in checked:
        try:
            app, placement = register_application(session, fields, now, config,
                                                  actor_id=actor_id, source=source)
        except CommandError as exc:
            raise ImportRejected([str(exc)]) from exc
        refs.append(app.ref)
        if (note := placement.note(app.ref)) is not None:
            placed.append(f"line {line}: {note}")
    return Imported(tuple(refs), placed_later=tuple(placed))


def _check_row(
    session: Session, row: dict[str, str], codes: set[str], now: datetime,
    config: ProgrammeConfig,
) -> tuple[Any, list[str]]:
    problems: list[str] = []
    code = row["region_code"].strip().upper()
    if code and code not in codes:
        problems.append(f"region_code: no NUTS-2 region `{row['region_code'].strip()}` "
                        "(use a code such as EL51)")
    if not row["submitted_at"].strip():
        problems.append("submitted_at: give the date the application arrived (YYYY-MM-DD)")
    values = {FIELD_OF[column]: value for column, value in row.items()}
    values["region"] = code
    fields, field_problems = check_intake(session, values, now, config)
    for key, message in field_problems.items():
        column = next(c for c, f in FIELD_OF.items() if f == key)
        if column == "region_code" and problems and code:
            continue  # already said precisely above
        problems.append(f"{column}: {message}")
    return (fields if not problems else None), problems


def _already_imported(session: Session, checked: list[tuple[int, Any]]) -> list[str]:
    """Rows that match an application already in the store: a file imported twice."""
    if not checked:
        return []
    times = [fields.submitted_at for _, fields in checked]
    stored = session.execute(
        select(Application.ref, Application.region_code, Application.applicant_organisation,
               Application.submitted_at)
        .where(Application.submitted_at >= min(times), Application.submitted_at <= max(times))
    )
    known = {(code, fold(org), when): ref for ref, code, org, when in stored}
    problems = []
    for line, fields in checked:
        ref = known.get((fields.region.code, fold(fields.organisation), fields.submitted_at))
        if ref:
            problems.append(f"line {line}: already in the store as {ref} (imported before?)")
    return problems


def _line_of(problem: str) -> int:
    word = problem.split(":", 1)[0].removeprefix("line ")
    return int(word) if word.isdigit() else 0


def _cap(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    more = len(problems) - MAX_PROBLEMS_SHOWN
    return [*problems[:MAX_PROBLEMS_SHOWN], f"... and {more} more problems"]
