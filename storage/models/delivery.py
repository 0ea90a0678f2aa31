"""Experts, the assignments they deliver, and each assignment's milestones."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

MILESTONES = ("kickoff", "work_plan", "mid_term", "final_deliverable", "closure")


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    country_code: Mapped[str] = mapped_column(String(2))
    region_code: Mapped[str | None] = mapped_column(String(4))
    languages: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    priority_areas: Mapped[list[Any]] = mapped_column(default=list)
    regions_worked: Mapped[list[Any]] = mapped_column(default=list)
    availability_days: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")
    conflict_regions: Mapped[list[Any]] = mapped_column(default=list)
    conflict_organisations: Mapped[list[Any]] = mapped_column(default=list)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """An approved application being co-designed and delivered with an expert."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    days_planned: Mapped[int] = mapped_column(Integer, default=0)
    dg_regio_officer: Mapped[str | None] = mapped_column(String(200))
    region_contact: Mapped[str | None] = mapped_column(String(200))
    secretariat_lead: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any] | None]


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("assignment_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
