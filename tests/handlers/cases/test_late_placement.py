"""A late registration or import never lands in a cut-off whose decisions are taken: it goes
to the first undecided cut-off after it, and whoever registered it is told."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from storage.db import Database
from storage.models import Application, AuditEntry
from tests.conftest import BRUSSELS, Chat
from tests.delivery_helpers import make_application, make_cutoff, make_decision

HEADER = ("region_code,applicant_organisation,contact_name,contact_email,topic,challenges,"
          "needs,submitted_at\n")
ROWS = ("EL51,Late Agency,Ana,ana@example.eu,edp,,Help,2026-04-01\n"
        "PT11,Summer Office,Rui,rui@example.eu,clusters,,Help,2026-08-01\n"
        "BG31,Autumn Office,Iva,iva@example.eu,clusters,,Help,2026-10-15\n")


def _decided_cutoffs(db: Database) -> None:
    """30 June: announced. 30 September: decided, not announced yet."""
    with db.transaction() as session:
        june = make_cutoff(session, dt.date(2026, 6, 30))
        june.announced_at = datetime(2026, 8, 20, 10, tzinfo=BRUSSELS)
        september = make_cutoff(session, dt.date(2026, 9, 30))
        app = make_application(session, september, status="approved")
        make_decision(session, app, "approve", datetime(2026, 10, 20, tzinfo=BRUSSELS))


def _cutoff_of(db: Database) -> dict[str, str]:
    with db.read() as session:
        return {app.applicant_organisation: app.cutoff.date.isoformat()
                for app in session.scalars(select(Application))}


def test_an_import_skips_decided_cutoffs_and_says_so(db: Database, database_url: str,
                                                    tmp_path: Path) -> None:
    _decided_cutoffs(db)
    file = tmp_path / "late.csv"
    file.write_text(HEADER + ROWS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(file)], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    placed = _cutoff_of(db)
    assert placed["Late Agency"] == placed["Summer Office"] == "2026-12-31"
    assert placed["Autumn Office"] == "2026-12-31"
    assert ("line 2: TA-2026-0002 was submitted for the cut-off of 2026-06-30, 2026-09-30, "
            "whose decisions are already taken: it joins the cut-off of 2026-12-31."
            in result.output)
    assert "line 3: TA-2026-0003 was submitted for the cut-off of 2026-09-30" in result.output
    assert "line 4" not in result.output
    with db.read() as session:
        created = session.scalar(select(AuditEntry).where(
            AuditEntry.action == "created", AuditEntry.entity_id == "TA-2026-0002"))
    assert created is not None and created.after is not None
    assert created.after["passed_over"] == ["2026-06-30", "2026-09-30"]


def test_new_with_an_old_submission_date_says_where_it_went(chat: dict[str, Chat],
                                                            db: Database) -> None:
    _decided_cutoffs(db)
    reply = chat["sec"]('new region:EL51 topic:edp org:"Late Agency" submitted:2026-05-02').reply
    assert reply.tone == "success", reply
    assert {f.label: f.value for f in reply.facts}["Cut-off"] == "2026-12-31"
    assert any("whose decisions are already taken" in line for line in reply.context)


def test_an_undecided_closed_cutoff_still_takes_its_late_cases(chat: dict[str, Chat],
                                                               db: Database) -> None:
    with db.transaction() as session:
        make_cutoff(session, dt.date(2026, 9, 30))
    reply = chat["sec"]('new region:EL51 topic:edp org:"Late Agency" submitted:2026-09-02').reply
    assert {f.label: f.value for f in reply.facts}["Cut-off"] == "2026-09-30"
    assert not any("decisions are already taken" in line for line in reply.context)
