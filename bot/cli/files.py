"""`s3desk import`, `import-experts` and `export`: applications and experts in and out as files."""

from __future__ import annotations

import io
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import USAGE, database_errors, fail, note, open_database, say, settings
from bot.edge import system_clock

MAX_FILE_BYTES = 50 * 1024 * 1024


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            fail(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it", USAGE)
        return path.read_bytes()
    except FileNotFoundError:
        fail(f"no file {path}", USAGE)
    except IsADirectoryError:
        fail(f"{path} is a folder, not a CSV file", USAGE)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", USAGE)


def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv",
                                         help="UTF-8 CSV with a header row.")],
) -> None:
    """Import applications from CSV: all of them, or none if any row has a problem."""
    from handlers.cases.importing import ImportRejected, import_applications

    data = _read(file)
    config = settings()
    db = open_database(config, migrate=True)
    with database_errors(db):
        try:
            with db.transaction() as session:
                result = import_applications(session, data, now=system_clock(),
                                             config=config.programme(), source="cli:import")
        except ImportRejected as rejected:
            _rejected(file, rejected.problems)
    refs = result.refs
    span = refs[0] if len(refs) == 1 else f"{refs[0]} to {refs[-1]}"
    say(f"Imported {len(refs)} application{'s' if len(refs) != 1 else ''} from {file}: {span}.")
    for line in result.placed_later:
        say(f"  {line}")


def _rejected(file: Path, problems: list[str]) -> None:
    count = sum(1 for p in problems if not p.startswith("..."))
    lines = "\n".join(f"  {p}" for p in problems)
    fail(f"{file} was not imported, nothing was written ({count} "
         f"problem{'s' if count != 1 else ''}):\n{lines}")


def import_experts_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="UTF-8 CSV of experts.")],
) -> None:
    """Import or update experts from CSV: all of them, or none if any row has a problem."""
    from handlers.cases.importing import ImportRejected, decode
    from handlers.experts.importing import import_experts
    from storage.models import Expert

    data = _read(file)
    try:
        text = decode(data)
    except ImportRejected as rejected:
        _rejected(file, rejected.problems)
    config = settings()
    db = open_database(config, migrate=True)
    with database_errors(db):
        try:
            with db.transaction() as session:
                problems = import_experts(session, text, now=system_clock(),
                                          source="cli:import-experts")
                if problems:
                    raise ImportRejected(problems)
                from sqlalchemy import func, select

                total = session.scalar(select(func.count()).select_from(Expert))
        except ImportRejected as rejected:
            _rejected(file, rejected.problems)
    say(f"Experts imported from {file}; the expert database now holds {total}.")


def export_command(
    format: Annotated[ExportFormat, typer.Option("--format", help="csv or xlsx.")] = (
        ExportFormat.csv),
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE", help="Write to FILE instead of standard output.")] = None,
) -> None:
    """Export every application (never score values) as CSV or XLSX."""
    from handlers.cases.exporting import EXPORT_COLUMNS, application_rows, write_csv, write_xlsx

    if format is ExportFormat.xlsx and out is None and sys.stdout.isatty():
        fail("an XLSX file is binary: give --out FILE (or redirect the output)", USAGE)
    config = settings()
    db = open_database(config, migrate=False)
    timezone = config.programme().timezone
    with database_errors(db), db.read() as session:
        rows = application_rows(session, timezone)
        if out is None:
            if format is ExportFormat.csv:
                count = write_csv(EXPORT_COLUMNS, rows, sys.stdout)
                sys.stdout.flush()
            else:
                buffer = io.BytesIO()
                count = write_xlsx(EXPORT_COLUMNS, rows, buffer, notes=_notes(config.timezone))
                sys.stdout.buffer.write(buffer.getvalue())
                sys.stdout.flush()
        else:
            count = _to_file(out, format, rows, config.timezone)
    note(f"Exported {count} application{'s' if count != 1 else ''}"
         + (f" to {out}." if out else "."))


def _to_file(out: Path, format: ExportFormat, rows: object, timezone: str) -> int:
    """Write next to the target and rename at the end: a failed export leaves no half file."""
    from handlers.cases.exporting import EXPORT_COLUMNS, write_csv, write_xlsx

    partial = out.with_name(f".{out.name}.partial")
    try:
        if format is ExportFormat.csv:
            # a byte-order mark lets spreadsheet programs read the file as UTF-8
            with partial.open("w", encoding="utf-8-sig", newline="") as handle:
                count = write_csv(EXPORT_COLUMNS, rows, handle)  # type: ignore[arg-type]
        else:
            count = write_xlsx(EXPORT_COLUMNS, rows, partial,  # type: ignore[arg-type]
                               notes=_notes(timezone))
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror}", USAGE)
    return count


def _notes(timezone: str) -> list[tuple[str, str]]:
    return [("exported at", system_clock().isoformat(timespec="seconds")),
            ("times are", f"wall-clock times in {timezone}"),
            ("not included", "score values (blind scoring)")]


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("import-experts")(import_experts_command)
    app.command("export")(export_command)
