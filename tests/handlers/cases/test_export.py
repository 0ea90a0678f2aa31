"""Exports: every application, formula-injection safe, numbers and dates kept, no scores."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.demo.programme import load_demo
from handlers.cases.exporting import (
    EXPORT_COLUMNS,
    application_rows,
    safe_text,
    write_csv,
    write_xlsx,
)
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from tests.case_helpers import add_applications

DANGEROUS = {
    "=": "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


@pytest.mark.parametrize("text", DANGEROUS.values(), ids=DANGEROUS.keys())
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["-12.5", "+32", "42", "plain text", "a=b", "", "e-mail"])
def test_plain_numbers_and_ordinary_text_are_left_alone(text: str) -> None:
    assert safe_text(text) == text


def _dangerous_cases(db: Database, config: ProgrammeConfig, now: datetime) -> list[str]:
    return [
        add_applications(db, config, [now], organisation=DANGEROUS["="],
                         contact_name=DANGEROUS["@"], needs=DANGEROUS["+"])[0],
        add_applications(db, config, [now], organisation=DANGEROUS["-"],
                         contact_name="Plain Name", needs="-7")[0],
    ]


def test_csv_cells_are_escaped(db: Database, config: ProgrammeConfig, now: datetime) -> None:
    _dangerous_cases(db, config, now)
    out = io.StringIO()
    with db.read() as session:
        assert write_csv(EXPORT_COLUMNS, application_rows(session, config.timezone), out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["applicant_organisation"] == "'" + DANGEROUS["="]
    assert rows[0]["contact_name"] == "'" + DANGEROUS["@"]
    assert rows[0]["needs"] == "'" + DANGEROUS["+"]
    assert rows[1]["applicant_organisation"] == "'" + DANGEROUS["-"]
    assert rows[1]["needs"] == "-7"
    assert rows[1]["contact_name"] == "Plain Name"
    assert rows[0]["submitted_at"] == "2026-11-26T10:00:00+01:00"


def test_csv_keeps_numbers_and_escapes_tab_and_cr() -> None:
    out = io.StringIO()
    write_csv(("n", "x", "t", "r", "d"), [(-5, 2.5, "\tx", "\rx", date(2026, 3, 31))], out)
    row = next(csv.reader(io.StringIO(out.getvalue()[out.getvalue().index("\n") + 1:])))
    assert row == ["-5", "2.5", "'\tx", "'\rx", "2026-03-31"]


def test_xlsx_cells_are_escaped_and_typed(db: Database, config: ProgrammeConfig,
                                          now: datetime) -> None:
    _dangerous_cases(db, config, now)
    buffer = io.BytesIO()
    with db.read() as session:
        write_xlsx(EXPORT_COLUMNS, application_rows(session, config.timezone), buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["applications"]
    header = [c.value for c in sheet[1]]
    first = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert first["applicant_organisation"].value == "'" + DANGEROUS["="]
    assert first["applicant_organisation"].data_type == "s"
    assert first["contact_name"].value == "'" + DANGEROUS["@"]
    assert first["needs"].value == "'" + DANGEROUS["+"]
    # Excel has no time zones: the wall-clock time in the programme's zone
    assert first["submitted_at"].value == now.replace(tzinfo=None)
    assert first["cutoff"].is_date


def test_xlsx_keeps_numbers_numbers_and_escapes_tab_and_cr() -> None:
    buffer = io.BytesIO()
    write_xlsx(("n", "x", "t", "r", "neg", "bad"),
               [(-5, 2.5, "\tx", "\rx", "-5", "=1+1\x00")], buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(min_row=2))
    values = [c.value for c in row]
    # XML reads a stored carriage return back as a line feed; the quote is what matters
    assert values[3] in ("'\rx", "'\nx")
    assert values[:3] + values[4:] == [-5, 2.5, "'\tx", "-5", "'=1+1"]
    assert [c.data_type for c in row[:2]] == ["n", "n"]


def test_exports_never_carry_scores(db: Database, config: ProgrammeConfig,
                                    now: datetime) -> None:
    load_demo(db, now, config)
    out = io.StringIO()
    with db.read() as session:
        count = write_csv(EXPORT_COLUMNS, application_rows(session, config.timezone), out)
    assert count == 40
    header = out.getvalue().splitlines()[0]
    assert "score" not in header and "relevance" not in header


def test_rows_are_fetched_lazily(db: Database, config: ProgrammeConfig, now: datetime) -> None:
    add_applications(db, config, [now] * 3)
    with db.read() as session:
        rows = application_rows(session, config.timezone)
        assert next(rows)[0] == "TA-2026-0001"
        assert len(list(rows)) == 2


def test_the_command_writes_csv_to_stdout_and_files(tmp_path: Path, db: Database,
                                                    config: ProgrammeConfig, now: datetime,
                                                    database_url: str) -> None:
    _dangerous_cases(db, config, now)
    env = {"DATABASE_URL": database_url}
    result = CliRunner().invoke(cli, ["export"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ref,region_code,")
    assert "'=HYPERLINK" in result.stdout
    assert "Exported 2 applications." in result.stderr

    target = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["export", "--out", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbfref,")

    book = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["export", "--format", "xlsx", "--out", str(book)], env=env)
    assert result.exit_code == 0, result.output
    workbook = load_workbook(book)
    assert workbook["applications"].max_row == 3
    assert workbook["about"]["B2"].value == "wall-clock times in Europe/Brussels"
    assert not list(tmp_path.glob(".*partial"))

    wrong = CliRunner().invoke(cli, ["export", "--format", "pdf"], env=env)
    assert wrong.exit_code == 2
    nowhere = CliRunner().invoke(cli, ["export", "--out", str(tmp_path / "no" / "x.csv")],
                                 env=env)
    assert nowhere.exit_code == 2
    assert "cannot write" in nowhere.output
