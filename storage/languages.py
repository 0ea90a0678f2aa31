"""Languages as reference data: ISO 639-1 codes from pycountry, official ones from babel (CLDR).

A region is served best by an expert who speaks an official language of its country; CLDR's
territory data says which languages are official where. NUTS writes Greece as `EL`, ISO as `GR`.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel.core import get_global

from storage.regions import EU_MEMBER_CODES, iso_country

# CLDR marks nationwide official languages so; regional ones are `official_regional`.
_NATIONWIDE = frozenset({"official", "de_facto_official"})


@lru_cache(maxsize=64)
def official_languages(nuts_or_iso_country: str) -> frozenset[str]:
    """ISO 639-1 codes of the nationwide official languages of a country (`EL` or `GR`)."""
    territory = get_global("territory_languages").get(iso_country(nuts_or_iso_country.upper()), {})
    return frozenset(
        code for code, info in territory.items()
        if info.get("official_status") in _NATIONWIDE and len(code) == 2
    )


@lru_cache(maxsize=1)
def eu_languages() -> tuple[str, ...]:
    """The official languages of the EU member states, sorted: the usual choices for an expert."""
    codes: set[str] = set()
    for country in EU_MEMBER_CODES:
        codes |= official_languages(country)
    return tuple(sorted(codes))


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        return code
    # `Modern Greek (1453-)` reads better as `Modern Greek`
    return str(language.name).split(" (")[0]


def is_language(code: str) -> bool:
    return len(code) == 2 and pycountry.languages.get(alpha_2=code.lower()) is not None
