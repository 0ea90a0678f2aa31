"""Invented names and texts for the demo programme, drawn from a seeded generator.

Surnames are built from syllables, organisations from a region's name and an invented
body, and addresses use the reserved `example.org` domain: nobody real appears, and the
same seed always gives the same programme.
"""

from __future__ import annotations

import random
import re

from storage.text import fold

FIRST_NAMES = (
    "Alina", "Bram", "Carla", "Dario", "Eliska", "Fenna", "Goran", "Hanna", "Ilse", "Jonas",
    "Katja", "Lauri", "Marta", "Nikos", "Oona", "Pavel", "Rasa", "Sven", "Teodora", "Urban",
    "Vesna", "Wim", "Xenia", "Yannick", "Zofia", "Anouk", "Bogdan", "Chiara", "Dagny", "Emil",
)
_ONSETS = ("b", "d", "dr", "f", "g", "k", "kr", "l", "m", "n", "p", "r", "s", "st", "t", "v",
           "z", "br", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei")
_ENDINGS = ("an", "ek", "ov", "ard", "ini", "escu", "ola", "aki", "ens", "ić", "ova", "eau",
            "und", "ero", "ák", "elli")
_BODIES = (
    "Regional Development Agency", "Smart Growth Office", "Innovation Bureau",
    "Managing Authority for Regional Programmes", "Office for Research and Enterprise",
    "Directorate for Economic Transition", "Regional Innovation Council",
    "Agency for Skills and Industry",
)
_SECTORS = (
    "agri-food", "blue economy", "advanced manufacturing", "sustainable tourism",
    "health and life sciences", "renewable energy", "forest-based industries",
    "creative industries", "logistics", "microelectronics",
)
NEEDS = {
    "edp": "We want to restart the entrepreneurial discovery process for {sector} and bring "
           "firms and universities back to the table after a quiet period.",
    "policy_instruments": "We need an action-research review of our support instruments for "
                          "{sector}: which ones reach firms, which overlap, which to close.",
    "foresight": "We would like foresight scenarios for the {sector} value chain to 2035, to "
                 "test our priorities against them.",
    "education": "Universities and vocational schools work apart; we need to bring both into "
                 "the S3 process for {sector} skills.",
    "national_synergies": "National and regional funding for {sector} overlap; we need help "
                          "to make them reinforce each other.",
    "clusters": "Our {sector} cluster is not part of the strategy's governance; we want to "
                "integrate it and its members.",
    "other": "We need help to set up monitoring indicators for our {sector} priority that the "
             "monitoring committee can act on.",
}
NOTES = (
    "Called the contact person: the application is confirmed by the managing authority.",
    "Region asked whether a second expert could join; told to raise it at co-design.",
    "Applicant sent an updated description of the need by email.",
    "Priority region: less developed, demographic decline.",
    "Check overlap with the national programme before the decision.",
    "Kick-off date agreed with DG REGIO and the region.",
)
REASONS = {
    "approve": "Strong fit with the fulfilment criteria and a clear commitment to co-design.",
    "reject": "The need is described in general terms and the region's capacity to co-design "
              "is not shown; the applicant is invited to apply again.",
    "reserve": "Sound application, below the capacity of this cut-off: on the waiting list.",
    "ineligible": "The applicant is not a regional or national authority responsible for S3.",
}


class NameMaker:
    """Deterministic invented names: every call advances the same seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._used: set[str] = set()

    def surname(self) -> str:
        while True:
            word = self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS)
            word += self.rng.choice(_ONSETS) + self.rng.choice(_ENDINGS)
            name = word.capitalize()
            if name not in self._used:
                self._used.add(name)
                return name

    def person(self, first_names: list[str]) -> tuple[str, str]:
        """(first name, full name), first names never repeated so they can be console ids."""
        first = first_names.pop(self.rng.randrange(len(first_names)))
        return first, f"{first} {self.surname()}"

    def organisation(self, region_name: str) -> str:
        body = self.rng.choice(_BODIES)
        return f"{short_region(region_name)} {body}"

    def needs(self, topic: str) -> str:
        return NEEDS[topic].format(sector=self.rng.choice(_SECTORS))


def short_region(name: str) -> str:
    """The first part of a long official name, so organisation names stay readable."""
    return re.split(r"[/,(]", name)[0].strip()[:60]


def email_for(name: str, domain: str = "example.org") -> str:
    return ".".join(fold(name).split()) + f"@{domain}"


def org_domain(organisation: str) -> str:
    words = fold(organisation).split()
    return "-".join(words[:3]) + ".example.org"
