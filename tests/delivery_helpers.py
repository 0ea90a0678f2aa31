"""Building cut-offs, applications, decisions and experts straight in the store for tests."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Application, Cutoff, Decision, Expert, Region

BRUSSELS = ZoneInfo("Europe/Brussels")


def make_cutoff(session: Session, date: dt.date) -> Cutoff:
    """A cut-off closing at the end of `date` in Brussels (midnight after it)."""
    closes = datetime.combine(date + timedelta(days=1), time(0), BRUSSELS)
    cutoff = Cutoff(date=date, closes_at=closes)
    session.add(cutoff)
    session.flush()
    return cutoff


def make_application(
    session: Session,
    cutoff: Cutoff,
    *,
    region: str = "EL51",
    status: str = "approved",
    topic: str = "edp",
    organisation: str = "Regional Authority of Eastern Macedonia",
    contact_name: str | None = "Maria Papadopoulou",
    contact_email: str | None = "maria.papadopoulou@example.gr",
    cohesion: str | None = None,
    challenges: list[str] | None = None,
    needs: str = "Support to the entrepreneurial discovery process",
    **extra: Any,
) -> Application:
    count = session.scalar(select(func.count()).select_from(Application)) or 0
    row = session.get(Region, region)
    assert row is not None, region
    app = Application(
        ref=f"TA-2026-{count + 1:04d}", region_code=region, country_code=row.country_code,
        applicant_organisation=organisation, contact_name=contact_name,
        contact_email=contact_email, topic=topic, challenges=challenges or [], needs=needs,
        submitted_at=cutoff.closes_at - timedelta(days=10), cutoff_id=cutoff.id, status=status,
        cohesion_confirmed=cohesion,
        search_text=" ".join(filter(None, (organisation.lower(), needs.lower()))),
        **extra,
    )
    session.add(app)
    session.flush()
    return app


def make_decision(session: Session, app: Application, outcome: str, at: datetime) -> Decision:
    decision = Decision(application_id=app.id, outcome=outcome, reason="as decided",
                        decided_at=at)
    session.add(decision)
    session.flush()
    return decision


def make_expert(session: Session, name: str, **fields: Any) -> Expert:
    values: dict[str, Any] = {
        "email": f"{name.lower().replace(' ', '.')}@experts.example",
        "country_code": "BE", "languages": ["en"], "topics": ["edp"],
        "availability_days": 20, "status": "active",
    }
    values.update(fields)
    expert = Expert(name=name, **values)
    session.add(expert)
    session.flush()
    return expert
