"""Checking what an Expression of Interest says: one checker per field, all problems at once.

`new` (inline or form), `set` and the CSV import all read fields through these checkers,
so an application is held to the same rules however it arrives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from storage.languages import DEFAULT_LANGUAGE, language_code
from storage.models import CHALLENGES, COHESION_CATEGORIES, TOPICS, Region
from storage.regions import search_regions
from storage.text import fold

TOPIC_LABELS = {
    "edp": "Entrepreneurial Discovery Process",
    "policy_instruments": "Policy instruments analysis",
    "foresight": "Foresight in a value chain",
    "education": "Higher and vocational education in S3",
    "national_synergies": "Synergies with national instruments",
    "clusters": "Clusters in Smart Specialisation",
    "other": "Other need",
}
CHALLENGE_LABELS = {
    "demographic": "Demographic", "geographic": "Geographic", "green": "Green",
    "digital": "Digital", "development_trap": "Development trap",
}
CATEGORY_LABELS = {
    "less_developed": "Less developed", "transition": "Transition",
    "more_developed": "More developed",
}

EMAIL = re.compile(r"^[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[A-Za-z]{2,}$")
LIMITS = {"organisation": 300, "contact_name": 200, "contact_email": 320, "needs": 20_000}
NONE_WORDS = {"", "none", "-", "no"}


class FieldProblem(ValueError):
    """One field's value is wrong; the message says what would be right."""


@dataclass(frozen=True)
class IntakeFields:
    """A checked application, ready to be stored."""

    region: Region
    topic: str
    organisation: str
    challenges: tuple[str, ...] = ()
    contact_name: str | None = None
    contact_email: str | None = None
    category_declared: str | None = None
    needs: str = ""
    # ISO 639-1 code of the language the applicant is written to in
    language: str = DEFAULT_LANGUAGE
    # None means "now"
    submitted_at: datetime | None = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value).strip()
    return str(value).strip()


def check_region(session: Session, value: Any) -> Region:
    text = _text(value)
    if not text:
        raise FieldProblem("give a NUTS-2 region code, e.g. EL51")
    code = text.upper()
    region = session.get(Region, code) if len(code) == 4 else None
    if region is not None:
        return region
    found = search_regions(session, text, limit=6)
    if len(found) == 1:
        return found[0]
    if not found:
        raise FieldProblem(f"no NUTS-2 region `{text}` (use a code such as EL51 or DE21)")
    listed = ", ".join(f"{r.code} {r.name}" for r in found[:5])
    raise FieldProblem(f"`{text}` matches several regions: {listed}")


def _one_of(value: Any, allowed: Iterable[str], what: str) -> str:
    allowed = tuple(allowed)
    key = fold(_text(value)).replace(" ", "_")
    if key in allowed:
        return key
    raise FieldProblem(f"unknown {what} `{_text(value)}`; use one of {', '.join(allowed)}")


def check_topic(value: Any) -> str:
    if not _text(value):
        raise FieldProblem(f"give a topic: {', '.join(TOPICS)}")
    return _one_of(value, TOPICS, "topic")


def check_challenges(value: Any) -> tuple[str, ...]:
    words = value if isinstance(value, list | tuple) else re.split(r"[,;\s]+", _text(value))
    keys = [fold(str(w)).replace(" ", "_") for w in words]
    keys = [k for k in keys if k and k not in NONE_WORDS]
    unknown = [k for k in keys if k not in CHALLENGES]
    if unknown:
        raise FieldProblem(f"unknown challenge `{unknown[0]}`; use any of {', '.join(CHALLENGES)}")
    return tuple(dict.fromkeys(keys))


def check_category(value: Any) -> str | None:
    if fold(_text(value)) in NONE_WORDS:
        return None
    return _one_of(value, COHESION_CATEGORIES, "cohesion category")


def check_email(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    if len(text) > LIMITS["contact_email"] or not EMAIL.match(text):
        raise FieldProblem(f"`{text}` is not an email address (like name@example.eu)")
    return text


def check_language(value: Any) -> str:
    """An ISO 639-1 code or a language's name; English when none is given."""
    text = _text(value)
    if not text:
        return DEFAULT_LANGUAGE
    code = language_code(text)
    if code is None:
        raise FieldProblem(f"`{text}` is not a language letters can be written in; give an "
                           "ISO 639-1 code such as en, fr, de or el")
    return code


def check_organisation(value: Any) -> str:
    text = _text(value)
    if not text:
        raise FieldProblem("the applicant organisation is required")
    return _limited(text, "organisation")


def check_contact_name(value: Any) -> str | None:
    return _limited(_text(value), "contact_name") or None


def check_needs(value: Any) -> str:
    return _limited(_text(value), "needs")


def _limited(text: str, key: str) -> str:
    if len(text) > LIMITS[key]:
        raise FieldProblem(f"too long ({len(text)} characters; at most {LIMITS[key]})")
    return text


def check_submitted(value: Any, now: datetime, config: ProgrammeConfig) -> datetime | None:
    """A date (start of that day in the programme zone) or an ISO datetime, never later than now."""
    text = _text(value)
    if not text:
        return None
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            when = datetime.combine(day, time.min, tzinfo=config.timezone)
        else:
            when = datetime.fromisoformat(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=config.timezone)
    except ValueError:
        raise FieldProblem(f"`{text}` is not a date (YYYY-MM-DD) or ISO date-time") from None
    if when > now:
        raise FieldProblem("a submission cannot be in the future")
    return when


def check_intake(
    session: Session, values: Mapping[str, Any], now: datetime, config: ProgrammeConfig
) -> tuple[IntakeFields | None, dict[str, str]]:
    """Check every field; returns the application or, per field key, what is wrong."""
    problems: dict[str, str] = {}
    checked: dict[str, Any] = {}

    def take(key: str, check: Callable[[], Any]) -> None:
        try:
            checked[key] = check()
        except FieldProblem as problem:
            problems[key] = str(problem)

    take("region", lambda: check_region(session, values.get("region")))
    take("topic", lambda: check_topic(values.get("topic")))
    take("organisation", lambda: check_organisation(values.get("organisation")))
    take("challenges", lambda: check_challenges(values.get("challenges")))
    take("contact_name", lambda: check_contact_name(values.get("contact_name")))
    take("contact_email", lambda: check_email(values.get("contact_email")))
    take("category", lambda: check_category(values.get("category")))
    take("needs", lambda: check_needs(values.get("needs")))
    take("language", lambda: check_language(values.get("language")))
    take("submitted", lambda: check_submitted(values.get("submitted"), now, config))
    if problems:
        return None, problems
    return IntakeFields(
        region=checked["region"], topic=checked["topic"], organisation=checked["organisation"],
        challenges=checked["challenges"], contact_name=checked["contact_name"],
        contact_email=checked["contact_email"], category_declared=checked["category"],
        needs=checked["needs"], language=checked["language"],
        submitted_at=checked["submitted"],
    ), {}
