"""The rubric's versions: each change to the rubric is kept as a numbered snapshot.

`RubricCriterion` rows are the rubric being edited; a `RubricVersion` is the rubric as it
stood after a change. Scoring a cut-off freezes the version in force on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import RubricCriterion, RubricVersion

FROZEN_FIELDS = ("key", "label", "description", "scale_min", "scale_max", "threshold",
                 "weight")


def live_snapshot(session: Session) -> list[dict[str, Any]]:
    """The active criteria as a version keeps them, in their order."""
    rows = session.scalars(select(RubricCriterion).where(RubricCriterion.active.is_(True))
                           .order_by(RubricCriterion.position, RubricCriterion.key))
    return [{name: getattr(row, name) for name in FROZEN_FIELDS} for row in rows]


def latest_version(session: Session) -> int | None:
    number = session.scalar(select(func.max(RubricVersion.number)))
    return None if number is None else int(number)


def record_version(session: Session, now: datetime) -> int:
    """Keep the rubric as it stands now as the next version (unless the latest already is
    exactly this); its number."""
    latest = latest_version(session)
    criteria = live_snapshot(session)
    if latest is not None:
        row = session.get(RubricVersion, latest)
        if row is not None and row.criteria == criteria:
            return latest
    number = (latest or 0) + 1
    session.add(RubricVersion(number=number, criteria=criteria, created_at=now))
    session.flush()
    return number
