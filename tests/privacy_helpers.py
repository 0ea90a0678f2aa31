"""Reading a whole database back, to prove personal data is gone from every table."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import MetaData, select

from storage.db import Database
from storage.text import fold


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a stored value; text that holds JSON is read as JSON too, so a
    name stored with `\\u00d3`-style escapes is seen as the name."""
    if isinstance(value, str):
        yield value
        if value[:1] and value[0] in "[{\"":
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _mentions(text: str, needle: str) -> bool:
    """As typed (any case), or folded the way search text is (`Ó` -> `o`), as whole words."""
    return needle.lower() in text.lower() or f" {fold(needle)} " in f" {fold(text)} "


def dump_mentions(db: Database, *needles: str) -> list[str]:
    """`table.column: needle` for every stored value that mentions a needle.

    The tables are read from the database itself, not from our models, so a table or a
    column the models do not know about is scanned too.
    """
    found: list[str] = []
    live = MetaData()
    live.reflect(db.engine)
    with db.engine.connect() as conn:
        for table in live.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                for column, value in row.items():
                    for text in _strings(value):
                        found += [f"{table.name}.{column}: {n}" for n in needles
                                  if _mentions(text, n)]
    return sorted(set(found))
