"""Pages of applications for `list`, filtered, in cut-off then reference order.

A page is one statement: the first `cap` matches in order, counted (a window count over at
most `cap` rows, so it stops early instead of counting 100,000), and the page cut from them.
Each statement is built once per shape of filter (which filters are given) and dialect, then
run with the filter's values as parameters: building and hashing a statement of this size
costs more than running it.

The order is walked, not sorted: PostgreSQL goes through the cut-offs by date and, inside
each, the composite index by reference (a LATERAL join: an incremental sort on the date then
stops early); SQLite's planner finds the same nested loop for the plain join.

A text search (`q:`) is a substring of `search_text`. A common word fills a page after a few
rows of that walk; a rare one would make it read every application. So a search first counts
its matches (up to the cap) through a trigram index (migration 0004: pg_trgm on PostgreSQL,
an FTS5 table on SQLite): fewer than the cap are read through the index and sorted, more
are found on the walk. PostgreSQL sees the words themselves in the statement, not a
parameter, so that its planner knows how rare they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session

from storage.db import core_rows, core_rows_as
from storage.models import Application, Cutoff, Region

# the SQLite FTS5 index of `applications.search_text` (a virtual table, not a model)
SEARCH_INDEX = table("applications_search", column("rowid"), column("search_text"))


@dataclass(frozen=True)
class Filter:
    """What `list` narrows by; empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    cutoff_id: int | None = None
    country: str | None = None
    topic: str | None = None
    # folded words (see storage.text.fold), found anywhere in the search text
    text: str | None = None

    @property
    def shape(self) -> tuple[bool, ...]:
        """Which filters are given: one statement is built per shape."""
        return (len(self.statuses) == 1, len(self.statuses) > 1, self.cutoff_id is not None,
                self.country is not None, self.topic is not None, self.text is not None)

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {"cutoff_id": self.cutoff_id, "country": self.country,
                                  "topic": self.topic, "text": self.text}
        if len(self.statuses) == 1:
            values["status"] = self.statuses[0]
        elif self.statuses:
            values["statuses"] = list(self.statuses)
        return {key: value for key, value in values.items() if value is not None}


class PageRow(NamedTuple):
    """One application of a page, in the page statement's column order."""

    cutoff_date: date
    ref: str
    region_code: str
    country_code: str
    topic: str
    status: str
    region_name: str
    counted: int


class Page(NamedTuple):
    rows: Sequence[PageRow]
    # matches counted up to the cap: `cap` means "cap or more"
    counted: int


def page_of_applications(session: Session, where: Filter, offset: int, limit: int,
                         cap: int) -> Page:
    """The page at `offset`, and the matches counted up to `cap` (at least offset + limit)."""
    dialect = session.get_bind().dialect.name
    params = {**where.params(), "offset": offset, "limit": limit, "cap": cap}
    if _counts_first(dialect, where):
        counted = _count(session, dialect, where.shape, params)
        if offset >= counted:
            return Page((), counted)
        # the count is known: read no further than the page
        params["reach"] = offset + limit
        rare = counted < cap
        rows = core_rows_as(session, _page_statement(dialect, where.shape, rare), params,
                            PageRow)
        return Page(rows, counted)
    params["reach"] = cap
    rows = core_rows_as(session, _page_statement(dialect, where.shape, False), params, PageRow)
    if rows:
        return Page(rows, rows[0].counted)
    if offset == 0:
        return Page(rows, 0)
    # past the last page: how many there are, for the pager's answer
    return Page(rows, _count(session, dialect, where.shape, params))


def _count(session: Session, dialect: str, shape: tuple[bool, ...],
           params: dict[str, Any]) -> int:
    return int(core_rows(session, _count_statement(dialect, shape), params)[0][0])


def _counts_first(dialect: str, where: Filter) -> bool:
    """A text search counts its matches first (see above). On SQLite only a search on its
    own: with another filter, that filter's index narrows the rows to a cut-off's or a
    status's worth and the words are checked on those."""
    return where.text is not None and (dialect == "postgresql" or _text_alone(where.shape))


def _text_alone(shape: tuple[bool, ...]) -> bool:
    return shape[-1] and not any(shape[:-1])


def _through_index(dialect: str, shape: tuple[bool, ...], rare: bool) -> bool:
    """SQLite reads the FTS table first for a search on its own; PostgreSQL's planner
    chooses its trigram index itself."""
    return dialect == "sqlite" and rare and _text_alone(shape)


def _conditions(dialect: str, shape: tuple[bool, ...],
                through_index: bool) -> list[ColumnElement[bool]]:
    one_status, many_statuses, in_cutoff, in_country, on_topic, has_text = shape
    where: list[ColumnElement[bool]] = []
    if one_status:
        where.append(Application.status == bindparam("status"))
    if many_statuses:
        where.append(Application.status.in_(bindparam("statuses", expanding=True)))
    if in_cutoff:
        where.append(Application.cutoff_id == bindparam("cutoff_id"))
    if in_country:
        where.append(Application.country_code == bindparam("country"))
    if on_topic:
        # `topic || ''` keeps SQLite off the single-column topic index, which would make it
        # sort every case of the topic instead of walking cut-offs in order
        where.append(Application.topic.concat("") == bindparam("topic"))
    if has_text and dialect == "postgresql":
        where.append(Application.search_text.contains(bindparam("text", literal_execute=True)))
    elif has_text and through_index:
        # FTS5's trigram tokenizer answers LIKE from its index (3 letters or more); the few
        # ids it finds are read first, then their applications by primary key
        where.append(Application.id.in_(_indexed_matches()))
    elif has_text:
        where.append(Application.search_text.contains(bindparam("text")))
    return where


def _indexed_matches() -> Select[Any]:
    return select(SEARCH_INDEX.c.rowid).where(
        SEARCH_INDEX.c.search_text.contains(bindparam("text")))


@cache
def _page_statement(dialect: str, shape: tuple[bool, ...], rare: bool) -> Select[Any]:
    through_index = _through_index(dialect, shape, rare)
    where = _conditions(dialect, shape, through_index)
    columns = (Application.ref, Application.region_code, Application.country_code,
               Application.topic, Application.status)
    # how far to read in order: the cap when counting, the page's end when counted before
    reach: BindParameter[int] = bindparam("reach")
    if dialect == "postgresql" and not rare:
        per_cutoff = (
            select(*columns).where(Application.cutoff_id == Cutoff.id, *where)
            .order_by(Application.ref).limit(reach).lateral("matching")
        )
        first = (
            select(Cutoff.date.label("cutoff_date"), *per_cutoff.c)
            .select_from(Cutoff).join(per_cutoff, true())
            .order_by(Cutoff.date, per_cutoff.c.ref)
        )
        if shape[2]:
            first = first.where(Cutoff.id == bindparam("cutoff_id"))
    else:
        first = (
            select(Cutoff.date.label("cutoff_date"), *columns)
            .select_from(Cutoff).join(Application, Application.cutoff_id == Cutoff.id)
            .where(*where).order_by(Cutoff.date, Application.ref)
        )
    matches = first.limit(reach).subquery("first_matches")
    return (
        select(*matches.c, Region.name.label("region_name"),
               func.count().over().label("counted"))
        .join(Region, Region.code == matches.c.region_code)
        .order_by(matches.c.cutoff_date, matches.c.ref)
        .offset(bindparam("offset")).limit(bindparam("limit"))
    )


@cache
def _count_statement(dialect: str, shape: tuple[bool, ...]) -> Select[Any]:
    """Matches counted up to the cap; in SQLite's FTS table alone when the words come alone
    (it holds one row per application)."""
    if _through_index(dialect, shape, True):
        inner = _indexed_matches()
    else:
        inner = select(literal(1)).select_from(Application).where(
            *_conditions(dialect, shape, False))
    return select(func.count()).select_from(inner.limit(bindparam("cap")).subquery())
