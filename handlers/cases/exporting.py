"""Applications as a spreadsheet: CSV or XLSX, streamed, safe to open in a spreadsheet program.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return could be read as a
formula; every such text cell gets a leading `'` (the csv module does not do this). Numbers
stay numbers and, in XLSX, dates stay dates. Score values are never exported: an export
may reach people who must not see them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TextIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ApplicantNotification, Application, Cutoff, Decision, Region

# The import file's column names where the two share a column, so an export can be re-read.
EXPORT_COLUMNS = (
    "ref", "region_code", "region_name", "country_code", "applicant_organisation",
    "contact_name", "contact_email", "topic", "challenges", "needs", "submitted_at",
    "cutoff", "status", "decision", "decided_at", "notified_at",
)
CHUNK = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
XLSX_DATETIME = "yyyy-mm-dd hh:mm"
XLSX_DATE = "yyyy-mm-dd"


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text: formula-like starts get a leading `'`.

    A plain number such as `-12.5` is left alone: it is a value, not a formula.
    """
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def application_rows(session: Session, timezone: ZoneInfo) -> Iterator[tuple[Any, ...]]:
    """Every application, oldest first, fetched in chunks (never all rows at once)."""
    stmt = (
        select(
            Application.ref, Application.region_code, Region.name, Application.country_code,
            Application.applicant_organisation, Application.contact_name,
            Application.contact_email, Application.topic, Application.challenges,
            Application.needs, Application.submitted_at, Cutoff.date, Application.status,
            Decision.outcome, Decision.decided_at, ApplicantNotification.sent_at,
        )
        .join(Region, Region.code == Application.region_code)
        .join(Cutoff, Cutoff.id == Application.cutoff_id)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(ApplicantNotification, ApplicantNotification.application_id == Application.id)
        .order_by(Application.id)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(stmt):
        yield tuple(
            value.astimezone(timezone) if isinstance(value, datetime) else value for value in row
        )


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return safe_text(";".join(str(v) for v in value))
    return safe_text(str(value))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    """Write a header and rows as CSV; returns the number of rows written."""
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def xlsx_value(value: Any) -> Any:
    """A Python value as an XLSX cell holds it: numbers and dates typed, text made safe."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: the wall-clock time in the programme's zone
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    # characters XML cannot carry would make the whole file unreadable
    return safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    target: str | Path | IO[bytes],
    *,
    title: str = "applications",
    notes: Sequence[tuple[str, str]] = (),
) -> int:
    """Write a workbook in write-only mode (rows are streamed to disk, not held in memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([xlsx_value(name) for name in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    if notes:
        about = book.create_sheet("about")
        for label, text in notes:
            about.append([xlsx_value(label), xlsx_value(text)])
    book.save(target)
    return count


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    converted = xlsx_value(value)
    if isinstance(converted, datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=converted)
        cell.number_format = XLSX_DATETIME if isinstance(converted, datetime) else XLSX_DATE
        return cell
    return converted
