"""Which rubric a case is scored and decided on: its cut-off's, frozen when scoring starts.

Until the first score of a cut-off, its cases follow the current rubric; the first score
freezes the version in force on the cut-off. A later `rubric set` makes a new version for
the cut-offs still to be scored: cases already scored or decided keep their totals and
their pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Application, Cutoff, RubricVersion
from storage.rubric import record_version


@dataclass(frozen=True)
class Criterion:
    """One criterion of a rubric version: what scoring and aggregation read."""

    key: str
    label: str
    description: str
    scale_min: int
    scale_max: int
    threshold: int
    weight: int

    @classmethod
    def from_frozen(cls, data: dict[str, Any]) -> Criterion:
        return cls(str(data["key"]), str(data["label"]), str(data.get("description") or ""),
                   int(data["scale_min"]), int(data["scale_max"]), int(data["threshold"]),
                   int(data["weight"]))


@dataclass(frozen=True)
class Rubric:
    version: int
    criteria: tuple[Criterion, ...]
    # True once a cut-off's scoring has started on this version
    frozen: bool

    @property
    def label(self) -> str:
        return f"version {self.version}" + ("" if self.frozen else
                                            " (current; kept once scoring starts)")


def _rubric(row: RubricVersion, frozen: bool) -> Rubric:
    return Rubric(row.number, tuple(Criterion.from_frozen(c) for c in row.criteria), frozen)


def current_rubric(session: Session) -> Rubric:
    """The rubric new scoring starts on: the latest version."""
    row = session.scalar(select(RubricVersion).order_by(RubricVersion.number.desc()).limit(1))
    if row is None:  # a store seeded before versions existed: keep what it has as one
        row = session.get(RubricVersion, record_version(session, datetime.now(UTC)))
        assert row is not None
    return _rubric(row, False)


def cutoff_rubric(session: Session, cutoff: Cutoff) -> Rubric:
    if cutoff.rubric_version is None:
        return current_rubric(session)
    row = session.get(RubricVersion, cutoff.rubric_version)
    assert row is not None  # a foreign key
    return _rubric(row, True)


def case_rubric(session: Session, app: Application) -> Rubric:
    return cutoff_rubric(session, app.cutoff)


def freeze_for(session: Session, app: Application, rubric: Rubric) -> None:
    """Keep `rubric` (the one the caller scored on) for the case's cut-off, once."""
    if app.cutoff.rubric_version is None:
        app.cutoff.rubric_version = rubric.version
