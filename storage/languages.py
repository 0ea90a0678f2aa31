"""Languages as reference data: ISO 639-1 codes from pycountry, official ones from babel (CLDR).

A region is served best by an expert who speaks an official language of its country; CLDR's
territory data says which languages are official where. NUTS writes Greece as `EL`, ISO as `GR`.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from storage.regions import EU_MEMBER_CODES, iso_country
from storage.text import fold

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


DEFAULT_LANGUAGE = "en"
# the locale whose conventions a language's dates follow where the bare language has none of
# its own that fit (CLDR's `en` writes dates the American way)
_DATE_LOCALE = {"en": "en_GB"}


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    """Folded English and own-language names of the languages babel can write dates in."""
    names: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if len(code) == 2 and is_language(code) and _babel_knows(code):
            names[fold(name)] = code
            own = Locale.parse(code).get_language_name(code)
            if own:
                names.setdefault(fold(own), code)
    return names


def _babel_knows(code: str) -> bool:
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True


def language_code(text: str) -> str | None:
    """The ISO 639-1 code `text` names (`el`, `EL`, `Greek`, `ελληνικά`), if babel writes it."""
    wanted = text.strip()
    if len(wanted) == 2:
        code = wanted.lower()
        return code if is_language(code) and _babel_knows(code) else None
    return _codes_by_name().get(fold(wanted))


def date_locale(code: str) -> str:
    """The babel locale a letter in language `code` formats its dates with."""
    return _DATE_LOCALE.get(code, code)
