"""Generate a store of N applications with their history, for measuring S3 Desk at size.

Applications spread over quarterly cut-offs (up to 9,000 a year: references have four
digits), with statuses that match their cut-off's age: the open cut-off still in intake, the
last closed one in evaluation, older ones evaluated, decided and announced. Evaluated cases
carry two evaluator assignments and two scores; decided ones a decision and an announcement
in the outbox; every case an audit trail. Two Slack users drive the load: a secretariat member
and an evaluator assigned to a pool of cases in evaluation that nobody else has scored, so
scoring them again and again stays a valid edit.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench import rows as make
from bench.bulk import analyse, insert_rows, move_sequences, next_id
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base, Region

PER_YEAR = 9_000
SCORE_POOL = 300
SHOW_SAMPLE = 400
SECRETARIAT_USER = "UBENCHSEC"
EVALUATOR_USER = "UBENCHEVA"


@dataclass(frozen=True)
class Dataset:
    """What the load needs to know about the generated store."""

    size: int
    secretariat_user: str
    evaluator_user: str
    show_refs: tuple[str, ...]
    score_refs: tuple[str, ...]
    query_words: tuple[str, ...]
    rare_word: str
    rows: dict[str, int]
    seconds: float


def quarter_ends(first_year: int, last: date) -> list[date]:
    ends = []
    for year in range(first_year, last.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            ends.append(date(year, month, day))
    return ends


def closes_at(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC) + timedelta(days=1)


def generate(db: Database, size: int, now: datetime, *, seed: int = 2026,
             zone: ZoneInfo | None = None, years: int | None = None) -> Dataset:
    """Migrate the store to head and add `size` applications with everything around them.

    Applications spread over `years` calendar years up to `now` (by default as many as
    four-digit references need, at least three).
    """
    started = time.perf_counter()
    zone = zone or ZoneInfo("Europe/Brussels")
    rng = random.Random(seed)
    upgrade(db)
    tables = Base.metadata.tables
    with db.engine.begin() as conn:
        regions = [tuple(r) for r in conn.execute(
            select(Region.code, Region.country_code, Region.name_folded).order_by(Region.code))]
        ids = {name: next_id(conn, tables[name]) for name in make.ID_TABLES}
        plan = make.Plan(rng=rng, now=now, zone=zone, regions=regions, ids=ids)
        years = years or max(3, -(-size // PER_YEAR))
        ends = quarter_ends(now.year - years + 1, now.date())
        plan.add_cutoffs([(d, closes_at(d, zone)) for d in ends])
        plan.add_people(SECRETARIAT_USER, EVALUATOR_USER, evaluators=30)
        plan.add_applications(size, first_year=now.year - years + 1)
        plan.assign_score_pool(SCORE_POOL)
        counts = {}
        for name in make.INSERT_ORDER:
            counts[name] = insert_rows(conn, tables[name], plan.tables[name])
        move_sequences(conn, [tables[name] for name in make.ID_TABLES])
        analyse(conn)
    sample = rng.sample(plan.refs, min(SHOW_SAMPLE, len(plan.refs)))
    return Dataset(
        size=size,
        secretariat_user=SECRETARIAT_USER,
        evaluator_user=EVALUATOR_USER,
        show_refs=tuple(sample),
        score_refs=tuple(plan.score_refs),
        query_words=make.QUERY_WORDS,
        rare_word=make.RARE_WORD,
        rows=counts,
        seconds=time.perf_counter() - started,
    )
