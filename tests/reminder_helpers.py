"""Store records the reminder tests need, written directly (the rules under test only read)."""

from __future__ import annotations

import datetime as dt
import itertools
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.core.actors import ensure_person, set_role
from handlers.core.config import ProgrammeConfig
from handlers.reminders.sweep import run_sweep
from storage.db import Database
from storage.models import (
    Application,
    Cutoff,
    Decision,
    EvaluatorAssignment,
    Identity,
    OutboxMessage,
    Place,
    Score,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
EARLY = datetime(2020, 1, 1, tzinfo=dt.UTC)
_refs = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


def add_cutoff(db: Database, day: dt.date, *, closed: bool = False,
               evaluation_deadline: dt.date | None = None) -> int:
    closes = datetime.combine(day + timedelta(days=1), time.min, tzinfo=BRUSSELS)
    with db.transaction() as session:
        cutoff = Cutoff(date=day, closes_at=closes, closed_at=closes if closed else None,
                        evaluation_deadline=evaluation_deadline)
        session.add(cutoff)
        session.flush()
        return cutoff.id


def add_place(db: Database, channel: str, purpose: str = "reminders", platform: str = "slack",
              name: str | None = None, since: datetime = EARLY) -> None:
    with db.transaction() as session:
        session.add(Place(platform=platform, purpose=purpose, channel_id=channel,
                          name=name or channel, registered_at=since))


def add_person(db: Database, name: str, *roles: str, slack_id: str | None = None) -> int:
    """A person with a console identity and, if given, a Slack identity."""
    with db.transaction() as session:
        person = ensure_person(session, "console", name, name=name)
        for role in roles:
            set_role(person, role)
        if slack_id and session.scalar(select(Identity.id).where(
                Identity.platform == "slack", Identity.platform_user_id == slack_id)) is None:
            person.identities.append(Identity(platform="slack", platform_user_id=slack_id))
        session.flush()
        return person.id


def link_slack(db: Database, person_id: int, slack_id: str) -> None:
    with db.transaction() as session:
        session.add(Identity(person_id=person_id, platform="slack", platform_user_id=slack_id))


def add_application(db: Database, cutoff_id: int, *, status: str = "received",
                    submitted: datetime | None = None, ref: str | None = None) -> str:
    ref = ref or f"TA-2026-{next(_refs) % 10000:04d}"
    with db.transaction() as session:
        while session.scalar(select(Application.id).where(Application.ref == ref)):
            ref = f"TA-2026-{next(_refs) % 10000:04d}"
        session.add(Application(
            ref=ref, region_code="EL51", country_code="EL", applicant_organisation="Agency",
            topic="edp", submitted_at=submitted or datetime(2026, 10, 1, tzinfo=dt.UTC),
            cutoff_id=cutoff_id, status=status,
        ))
    return ref


def _app_id(session: Any, ref: str) -> int:
    return int(session.scalar(select(Application.id).where(Application.ref == ref)))


def assign(db: Database, ref: str, person_id: int, *, scored: bool = False) -> None:
    with db.transaction() as session:
        app_id = _app_id(session, ref)
        session.add(EvaluatorAssignment(application_id=app_id, person_id=person_id))
        if scored:
            session.add(Score(application_id=app_id, person_id=person_id,
                              values={"relevance": 4}))


def decide(db: Database, ref: str, when: datetime, outcome: str = "approve") -> None:
    with db.transaction() as session:
        session.add(Decision(application_id=_app_id(session, ref), outcome=outcome,
                             reason="fits", decided_at=when))


def add_row(db: Database, key: str, *, target: str = "C1", platform: str = "slack",
            due: datetime, **fields: Any) -> int:
    values: dict[str, Any] = {"kind": "reminder.cutoff", "card": {"title": key},
                              "status": "pending", "attempts": 0, **fields}
    with db.transaction() as session:
        row = OutboxMessage(dedupe_key=key, platform=platform, target=target, due_at=due,
                            created_at=due, **values)
        session.add(row)
        session.flush()
        return row.id


def outbox(db: Database) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def row(db: Database, row_id: int) -> OutboxMessage:
    with db.read() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def sweep(db: Database, config: ProgrammeConfig, when: datetime) -> int:
    with db.transaction() as session:
        return run_sweep(session, when, config)


def keys(db: Database) -> list[str]:
    return [r.dedupe_key for r in outbox(db)]
