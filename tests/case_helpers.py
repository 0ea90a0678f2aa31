"""Building applications for tests through the same path `new` and the import use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select

from handlers.cases.intake import create_application
from handlers.cases.intake_fields import check_intake
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Application, Cutoff


def add_applications(
    db: Database, config: ProgrammeConfig, submitted: Iterable[datetime], **fields: Any
) -> list[str]:
    """One application per submission instant, in one transaction; returns their refs."""
    values = {"region": "EL51", "topic": "edp", "organisation": "Regional Agency",
              "contact_name": "Maria Papadopoulou", "contact_email": "maria@example.eu",
              "needs": "Support to the entrepreneurial discovery process", **fields}
    status = values.pop("status", None)
    refs = []
    with db.transaction() as session:
        for when in submitted:
            checked, problems = check_intake(session, values, when, config)
            assert checked is not None, problems
            app = create_application(session, checked, when, config)
            if status:
                app.status = status
            refs.append(app.ref)
    return refs


def cutoff_of(db: Database, ref: str) -> str:
    with db.read() as session:
        day = session.scalar(
            select(Cutoff.date).join(Application, Application.cutoff_id == Cutoff.id)
            .where(Application.ref == ref)
        )
        return day.isoformat() if day else ""


class StatementCounter:
    """Counts the SQL statements the store runs while it is active."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
