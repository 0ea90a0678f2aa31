"""Folding text for search across scripts, accents and case."""

from __future__ import annotations

import re

from anyascii import anyascii

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """`Aνατολική Μακεδονία` -> `anatoliki makedonia`; `Nord-Est` -> `nord est`."""
    return _NON_WORD.sub(" ", anyascii(text).lower()).strip()
