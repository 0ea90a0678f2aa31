"""The reminder sweep: what fell due since the last sweep, turned into outbox rows.

The scheduler calls `run_sweep` every minute. The sweep remembers the instant it has covered
(`reminders.swept_until` in settings), plans the window from there to now and schedules what
fell due in it. After downtime the first sweep covers the whole gap: a reminder that is
still useful is sent late, once; one that is not is recorded as missed and listed in the
weekly digest. Keys are deterministic, so a window computed twice (two replicas, a retried
tick) inserts nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from handlers.core import fanout
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Notice
from handlers.reminders.digest import plan_digest
from handlers.reminders.evaluation import plan_evaluation
from handlers.reminders.followups import plan_applicants_uninformed, plan_milestones
from handlers.reminders.plan import Planned, Planner, plan_cutoff_closed, plan_cutoff_reminders
from storage.models import Setting
from storage.outbox import expire_missed
from storage.outbox_views import existing_keys, try_singleton_lock

PLANNERS: tuple[Planner, ...] = (
    plan_cutoff_reminders,
    plan_cutoff_closed,
    plan_evaluation,
    plan_applicants_uninformed,
    plan_milestones,
    plan_digest,
)
WATERMARK = "reminders.swept_until"
# a store swept for the first time looks back this far
FIRST_LOOKBACK = timedelta(days=1)
# after a longer outage, older reminders are no longer computed (the digest says so)
MAX_LOOKBACK = timedelta(days=90)
PLACE_PLATFORMS = fanout.SWEEP_PLACE_PLATFORMS


def plan(session: Session, config: ProgrammeConfig, start: datetime,
         end: datetime) -> list[Planned]:
    """Every reminder due in `(start, end]`, soonest first."""
    found = [item for planner in PLANNERS for item in planner(session, config, start, end)]
    return sorted(found, key=lambda item: (item.due_at, item.key))


def sweep(session: Session, now: datetime, config: ProgrammeConfig,
          resolver: fanout.Targets | None = None) -> list[Notice]:
    """The notices that fell due since the last sweep; moves the covered instant to now."""
    start = window_start(session, now)
    if now <= start:
        return []
    resolver = resolver or fanout.Targets(session, PLACE_PLATFORMS)
    items = plan(session, config, start, now)
    done = _already_scheduled(session, resolver, items)
    covered = now
    notices: list[Notice] = []
    for item in items:
        if item.key in done:
            continue
        if item.singleton and not try_singleton_lock(session, f"s3desk:{item.kind}"):
            # another replica is computing it; look at this instant again next tick
            covered = min(covered, item.due_at - timedelta(microseconds=1))
            continue
        notices.extend(item.build(now))
    save_watermark(session, covered, now)
    return notices


def run_sweep(session: Session, now: datetime, config: ProgrammeConfig) -> int:
    """Sweep and schedule in the caller's transaction; returns the outbox rows added."""
    resolver = fanout.Targets(session, PLACE_PLATFORMS)
    notices = sweep(session, now, config, resolver)
    added = fanout.schedule(session, notices, now, resolver=resolver) if notices else 0
    expire_missed(session, now)
    return added


def _already_scheduled(session: Session, resolver: fanout.Targets,
                       items: list[Planned]) -> set[str]:
    """Keys of the items every target already has (or that have nobody to go to)."""
    resolver.prefetch(item.audience.person_id for item in items
                      if item.audience.kind == "person" and item.audience.person_id is not None)
    wanted = {
        item.key: {f"{item.key}:{platform}:{target}"
                   for platform, target in resolver.of(item.audience, item.due_at)}
        for item in items if item.keyed
    }
    existing = existing_keys(session, (k for keys in wanted.values() for k in keys))
    return {key for key, keys in wanted.items() if keys <= existing}


def window_start(session: Session, now: datetime) -> datetime:
    row = session.get(Setting, WATERMARK)
    if row is None or not row.value:
        return now - FIRST_LOOKBACK
    try:
        covered = datetime.fromisoformat(str(row.value))
    except ValueError:
        return now - FIRST_LOOKBACK
    if covered.tzinfo is None:
        return now - FIRST_LOOKBACK
    return max(covered, now - MAX_LOOKBACK)


def save_watermark(session: Session, covered: datetime, now: datetime) -> None:
    make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    value = covered.isoformat()
    session.execute(
        make(Setting)
        .values(key=WATERMARK, value=value, updated_at=now)
        .on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
    )
    # the ORM may hold the row from `window_start`; let it read the new value next time
    stale = session.get(Setting, WATERMARK)
    if stale is not None:
        session.expire(stale)
