"""Evaluation: the rubric, evaluator assignments, conflicts, scores and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

OUTCOMES = ("approve", "reject", "reserve", "ineligible")


class RubricCriterion(Base):
    """One criterion of the scoring rubric; the secretariat may edit these rows."""

    __tablename__ = "rubric_criteria"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=5)
    threshold: Mapped[int] = mapped_column(Integer, default=3)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)


class RubricVersion(Base):
    """The rubric as it stood after each change, numbered from 1. A cut-off keeps the
    version in force when its scoring started, so later edits never reach its cases."""

    __tablename__ = "rubric_versions"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # the active criteria in order: [{key, label, description, scale_min, scale_max,
    # threshold, weight}, ...]
    criteria: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluatorAssignment(Base):
    __tablename__ = "evaluator_assignments"
    __table_args__ = (UniqueConstraint("application_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    country_override_reason: Mapped[str | None] = mapped_column(Text)
    removed_reason: Mapped[str | None] = mapped_column(Text)


class ConflictDeclaration(Base):
    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("application_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class Score(Base):
    """One evaluator's scores for one application: {criterion key: value}."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("application_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    values: Mapped[dict[str, Any]]
    comment: Mapped[str] = mapped_column(Text, default="")
    excluded: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ConsensusScore(Base):
    __tablename__ = "consensus_scores"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    values: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # indexed: the sweep looks up decisions made N days ago (applicants still to inform)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    announced_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)


class ApplicantNotification(Base):
    """The letter that tells an applicant the outcome, drafted then tracked until sent."""

    __tablename__ = "applicant_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_how: Mapped[str | None] = mapped_column(String(200))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class NotificationTemplate(Base):
    """A secretariat override of a built-in Jinja2 letter template, for one language."""

    __tablename__ = "notification_templates"

    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    # ISO 639-1 code of the letters this template writes
    language: Mapped[str] = mapped_column(String(8), primary_key=True, default="en",
                                          server_default="en")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
