"""Importing applications from CSV: the intake's rules, all or nothing, problems by line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from handlers.cases.importing import ImportRejected, import_applications
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Application, AuditEntry, RefCounter

HEADER = ("region_code,applicant_organisation,contact_name,contact_email,topic,challenges,"
          "needs,submitted_at\n")
GOOD = [
    'EL51,Perifereia Agency,Maria P,maria@example.eu,edp,green;digital,"Restart the EDP",'
    "2026-03-05\n",
    "BG31,Severozapaden Office,,,clusters,,Cluster governance,2026-04-01T09:30:00\n",
    "PT11,Norte Authority,Rui,rui@example.eu,foresight,demographic,Scenarios,"
    "2026-07-01T10:00:00+00:00\n",
]


def run(db: Database, config: ProgrammeConfig, now: datetime, text: str | bytes) -> list[str]:
    with db.transaction() as session:
        return list(import_applications(session, text, now=now, config=config).refs)


def count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Application)) or 0)


def test_good_rows_are_registered_like_new(db: Database, config: ProgrammeConfig,
                                           now: datetime) -> None:
    refs = run(db, config, now, HEADER + "".join(GOOD))
    assert refs == ["TA-2026-0001", "TA-2026-0002", "TA-2026-0003"]
    with db.read() as session:
        apps = {a.ref: a for a in session.scalars(select(Application))}
        first = apps["TA-2026-0001"]
        assert first.challenges == ["green", "digital"]
        assert first.cutoff.date.isoformat() == "2026-03-31"
        assert "perifereia agency" in first.search_text
        # a date alone is the start of that day in the programme's time zone
        assert first.submitted_at == datetime(2026, 3, 4, 23, 0, tzinfo=UTC)
        # a naive date-time is read in the programme's time zone (CEST in April)
        assert apps["TA-2026-0002"].submitted_at == datetime(2026, 4, 1, 7, 30, tzinfo=UTC)
        assert apps["TA-2026-0002"].contact_email is None
        assert apps["TA-2026-0003"].cutoff.date.isoformat() == "2026-09-30"
        sources = set(session.scalars(select(AuditEntry.source)))
        assert sources == {"cli:import"}


def test_a_byte_order_mark_and_a_multiline_cell_are_fine(db: Database, config: ProgrammeConfig,
                                                        now: datetime) -> None:
    text = (HEADER + 'EL51,Agency,,,edp,,"two\nlines",2026-03-05\n').encode("utf-8-sig")
    assert run(db, config, now, text) == ["TA-2026-0001"]
    with db.read() as session:
        assert session.scalar(select(Application.needs)) == "two\nlines"


def test_three_bad_rows_reject_the_file_and_write_nothing(db: Database, config: ProgrammeConfig,
                                                         now: datetime) -> None:
    text = HEADER + "".join([
        GOOD[0],
        "XX99,Agency,,,edp,,,2026-03-05\n",  # line 3: unknown region
        GOOD[1],
        'EL51,"A ""quoted""\nname",,,teleportation,,,2026-03-05\n',  # line 5: unknown topic
        "EL51,Agency,,not-an-email,edp,,,05/03/2026\n",  # line 6: email and date
        GOOD[2],
    ])
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, text)
    problems = rejected.value.problems
    assert {p.split(":")[0] for p in problems} == {"line 3", "line 5", "line 6"}
    assert any("XX99" in p for p in problems)
    assert any("teleportation" in p for p in problems)
    assert any(p.startswith("line 6: contact_email") for p in problems)
    assert any(p.startswith("line 6: submitted_at") for p in problems)
    assert count(db) == 0
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RefCounter)) == 0


@pytest.mark.parametrize(("header", "expected"), [
    ("region_code,organisation,contact_name,contact_email,topic,challenges,needs,submitted_at",
     ["line 1: unknown column `organisation`", "line 1: missing column `applicant_organisation`"]),
    ("region_code,applicant_organisation,topic,submitted_at",
     ["line 1: missing column `contact_name`"]),
    ("", ["line 1: the file is empty"]),
])
def test_unknown_and_missing_columns_are_named(db: Database, config: ProgrammeConfig,
                                               now: datetime, header: str,
                                               expected: list[str]) -> None:
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, header + "\n" + GOOD[0])
    for wanted in expected:
        assert any(p.startswith(wanted) for p in rejected.value.problems), rejected.value.problems


def test_not_utf8_is_refused_with_its_line(db: Database, config: ProgrammeConfig,
                                           now: datetime) -> None:
    data = (HEADER + GOOD[0]).encode() + "EL51,Agence Région,,,edp,,,2026-03-05\n".encode(
        "latin-1")
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, data)
    assert rejected.value.problems[0].startswith("line 3: the file is not UTF-8")


def test_dates_in_the_future_and_missing_dates_are_refused(db: Database,
                                                           config: ProgrammeConfig,
                                                           now: datetime) -> None:
    text = HEADER + "EL51,A,,,edp,,,2027-01-01\nEL51,B,,,edp,,,\n"
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, text)
    assert [p.split(":")[0] for p in rejected.value.problems] == ["line 2", "line 3"]


def test_a_file_imported_twice_is_refused_the_second_time(db: Database,
                                                          config: ProgrammeConfig,
                                                          now: datetime) -> None:
    run(db, config, now, HEADER + "".join(GOOD))
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, HEADER + GOOD[1])
    assert rejected.value.problems == [
        "line 2: already in the store as TA-2026-0002 (imported before?)"]
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, HEADER + GOOD[0].replace("EL51", "EL52") * 2)
    assert rejected.value.problems == ["line 3: the same application as line 2"]
    assert count(db) == 3


def test_blank_lines_are_skipped_but_counted(db: Database, config: ProgrammeConfig,
                                             now: datetime) -> None:
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, HEADER + ",,,,,,,\n\n" + "EL51,,,,edp,,,2026-03-05\n")
    assert rejected.value.problems[0].startswith("line 4: applicant_organisation")
    with pytest.raises(ImportRejected) as rejected:
        run(db, config, now, HEADER)
    assert rejected.value.problems == ["line 2: the file has a header but no applications"]


def test_the_command_lists_every_problem_and_exits_1(tmp_path: Path, db: Database,
                                                     database_url: str) -> None:
    bad = tmp_path / "eoi.csv"
    bad.write_text(HEADER + GOOD[0] + "XX99,A,,,edp,,,2026-03-05\n"
                   + "EL51,B,,,nope,,,2026-03-05\n" + "EL51,,,,edp,,,2026-03-05\n")
    result = CliRunner().invoke(cli, ["import", str(bad)], env={"DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "nothing was written (3 problems)" in result.output
    for line in ("line 3:", "line 4:", "line 5:"):
        assert line in result.output
    assert "Traceback" not in result.output
    assert count(db) == 0


def test_the_command_imports_a_good_file(tmp_path: Path, db: Database,
                                         database_url: str) -> None:
    good = tmp_path / "eoi.csv"
    good.write_text(HEADER + "".join(GOOD), encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["import", str(good)], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "Imported 3 applications" in result.output
    assert "TA-2026-0001 to TA-2026-0003" in result.output
    assert count(db) == 3
    missing = CliRunner().invoke(cli, ["import", str(tmp_path / "nope.csv")],
                                 env={"DATABASE_URL": database_url})
    assert missing.exit_code == 2
    assert "no file" in missing.output
