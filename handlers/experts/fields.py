"""The fields of an expert record: how each is typed, read, checked and shown.

One table serves the inline `expert add`, its form, `expert set` and the CSV import, so a
value is accepted or refused the same way wherever it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.languages import is_language
from storage.models import TOPICS, Region
from storage.regions import nuts_country

EXPERT_STATUSES = ("active", "paused")
MAX_DAYS_PER_QUARTER = 92
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPLIT = re.compile(r"[;,]")


class FieldError(ValueError):
    """One value cannot be used; the message says why."""


Reader = Callable[[Session, str], Any]


@dataclass(frozen=True)
class ExpertField:
    key: str  # what people type: `expert set NAME days 20`, `days:20`
    attribute: str  # the Expert column
    label: str
    read: Reader
    required: bool = False
    hint: str = ""


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(raw) if part.strip()]


def _text(limit: int) -> Reader:
    def read(_session: Session, raw: str) -> str:
        value = " ".join(raw.split())
        if not value:
            raise FieldError("must not be empty")
        if len(value) > limit:
            raise FieldError(f"is longer than {limit} characters")
        return value

    return read


def read_email(_session: Session, raw: str) -> str:
    value = raw.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise FieldError(f"`{raw.strip()}` is not an email address")
    return value


def _country(_session: Session, raw: str) -> str:
    code = nuts_country(raw.strip())
    iso = "GR" if code == "EL" else code
    if len(code) != 2 or pycountry.countries.get(alpha_2=iso) is None:
        raise FieldError(f"`{raw.strip()}` is not a country code (like EL, BG, RO)")
    return code


def _region_codes(session: Session, codes: list[str]) -> list[str]:
    wanted = [c.upper() for c in codes]
    known = set(session.scalars(select(Region.code).where(Region.code.in_(wanted))))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise FieldError(f"unknown NUTS-2 region {', '.join(unknown)}")
    return list(dict.fromkeys(wanted))


def _region(session: Session, raw: str) -> str | None:
    if not raw.strip() or raw.strip() == "-":
        return None
    return _region_codes(session, [raw.strip()])[0]


def _regions(session: Session, raw: str) -> list[str]:
    return _region_codes(session, split_list(raw))


def _languages(_session: Session, raw: str) -> list[str]:
    codes = [c.lower() for c in split_list(raw)]
    if not codes:
        raise FieldError("needs at least one ISO 639-1 code (like el, en)")
    unknown = [c for c in codes if not is_language(c)]
    if unknown:
        raise FieldError(f"{', '.join(unknown)} is not an ISO 639-1 language code")
    return list(dict.fromkeys(codes))


def _topics(_session: Session, raw: str) -> list[str]:
    keys = [t.lower() for t in split_list(raw)]
    if not keys:
        raise FieldError(f"needs at least one of {', '.join(TOPICS)}")
    unknown = [t for t in keys if t not in TOPICS]
    if unknown:
        raise FieldError(f"unknown topic {', '.join(unknown)} (topics: {', '.join(TOPICS)})")
    return list(dict.fromkeys(keys))


def _free_list(_session: Session, raw: str) -> list[str]:
    return list(dict.fromkeys(" ".join(p.split()) for p in split_list(raw)))


def _days(_session: Session, raw: str) -> int:
    try:
        days = int(raw.strip())
    except ValueError:
        raise FieldError(f"`{raw.strip()}` is not a whole number of days") from None
    if not 0 <= days <= MAX_DAYS_PER_QUARTER:
        raise FieldError(f"must be between 0 and {MAX_DAYS_PER_QUARTER} days a quarter")
    return days


def _status(_session: Session, raw: str) -> str:
    value = raw.strip().lower()
    if value not in EXPERT_STATUSES:
        raise FieldError(f"must be {' or '.join(EXPERT_STATUSES)}")
    return value


FIELDS: tuple[ExpertField, ...] = (
    ExpertField("name", "name", "Name", _text(200), required=True),
    ExpertField("email", "email", "Email", read_email, required=True),
    ExpertField("country", "country_code", "Country", _country, required=True,
                hint="country code, e.g. EL, BG, RO"),
    ExpertField("region", "region_code", "Home region", _region, hint="NUTS-2 code, e.g. EL51"),
    ExpertField("languages", "languages", "Languages", _languages, required=True,
                hint="ISO 639-1 codes, e.g. el, en"),
    ExpertField("topics", "topics", "Topics", _topics, required=True,
                hint=", ".join(TOPICS)),
    ExpertField("areas", "priority_areas", "Priority areas", _free_list,
                hint="free text, separated by ;"),
    ExpertField("regions", "regions_worked", "Regions worked with", _regions,
                hint="NUTS-2 codes, e.g. EL51, BG31"),
    ExpertField("days", "availability_days", "Days a quarter", _days, required=True),
    ExpertField("status", "status", "Status", _status, hint="active or paused"),
    ExpertField("conflict_regions", "conflict_regions", "Conflict regions", _regions,
                hint="NUTS-2 codes the expert must not serve"),
    ExpertField("conflict_orgs", "conflict_organisations", "Conflict organisations",
                _free_list, hint="organisations the expert must not serve, separated by ;"),
)
BY_KEY = {f.key: f for f in FIELDS}
# Column names of the CSV file and model attribute names work too.
ALIASES = {f.attribute: f.key for f in FIELDS} | {
    "country_code": "country", "language": "languages", "topic": "topics",
    "priority_areas": "areas", "regions_worked": "regions", "availability_days": "days",
    "conflict_organisations": "conflict_orgs",
}


def field_for(key: str) -> ExpertField | None:
    key = key.strip().lower()
    return BY_KEY.get(ALIASES.get(key, key))


def read_fields(session: Session, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Values by Expert attribute, and problems by field key; unknown keys are problems too."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, text in raw.items():
        spec = field_for(key)
        if spec is None:
            errors[key] = f"`{key}` is not an expert field ({', '.join(BY_KEY)})"
            continue
        try:
            values[spec.attribute] = spec.read(session, text)
        except FieldError as exc:
            errors[spec.key] = f"{spec.label}: {exc}"
    return values, errors


def complete_new(values: dict[str, Any], errors: dict[str, str]) -> None:
    """Fill defaults for a new expert and note the required fields still missing."""
    region = values.get("region_code")
    if region and "country_code" not in values and "country" not in errors:
        values["country_code"] = region[:2]
    check_home_region(values, errors)
    for spec in FIELDS:
        if spec.required and spec.attribute not in values and spec.key not in errors:
            errors[spec.key] = f"{spec.label}: is required"
    values.setdefault("status", "active")


def check_home_region(values: dict[str, Any], errors: dict[str, str]) -> None:
    """A home region lies in the expert's country (NUTS codes start with the country)."""
    region, country = values.get("region_code"), values.get("country_code")
    if region and country and region[:2] != country:
        errors.setdefault("region", f"Home region: {region} is not in {country}")


def show_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value in (None, "") else str(value)


def snapshot(expert: Any) -> dict[str, Any]:
    """The expert's fields as plain values, for the audit log."""
    data: dict[str, Any] = {}
    for spec in FIELDS:
        value = getattr(expert, spec.attribute)
        data[spec.attribute] = list(value) if isinstance(value, list) else value
    data["person_id"] = expert.person_id
    return data
