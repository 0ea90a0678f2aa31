"""The scoring rubric as data: `rubric` shows it, `rubric set` changes or adds a criterion.

Every change is a new numbered version; a cut-off keeps the version in force when its
scoring started (see `rubric_versions`), so a change never reaches cases already scored.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.parse import Args
from handlers.core.registry import KNOWN, SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome, Table
from handlers.cutoffs.queries import find_cutoff
from handlers.evaluation.rubric_versions import current_rubric, cutoff_rubric
from storage.models import Cutoff, RubricCriterion
from storage.rubric import record_version

commands = Commands()

_KEY = re.compile(r"^[a-z][a-z_]{0,39}$")


def criterion_line(c: RubricCriterion) -> str:
    return f"{c.label}: {c.scale_min} to {c.scale_max}, threshold {c.threshold}"


@commands.command("rubric", usage="rubric [cutoff:DATE]", summary="the scoring rubric",
                  roles=KNOWN)
def show_rubric(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"cutoff"}, max_positional=0)
    if "cutoff" in args.options:
        return _frozen_card(ctx, find_cutoff(ctx.session, args.options["cutoff"]))
    rows = list(ctx.session.scalars(
        select(RubricCriterion).order_by(RubricCriterion.position, RubricCriterion.key)))
    table = Table(
        ("key", "criterion", "scale", "threshold", "weight", "active"),
        tuple((c.key, c.label, f"{c.scale_min}-{c.scale_max}", str(c.threshold), str(c.weight),
               "yes" if c.active else "no") for c in rows),
    )
    text = tuple(f"{c.label}: {c.description}" for c in rows if c.active and c.description)
    return Outcome(Card(
        title=f"Scoring rubric, version {current_rubric(ctx.session).version}", table=table,
        text=text,
        context=("A case passes when every criterion's mean reaches its threshold.",
                 *_frozen_lines(ctx.session)),
    ))


def _frozen_card(ctx: Context, cutoff: Cutoff) -> Outcome:
    rubric = cutoff_rubric(ctx.session, cutoff)
    table = Table(("key", "criterion", "scale", "threshold", "weight"),
                  tuple((c.key, c.label, f"{c.scale_min}-{c.scale_max}", str(c.threshold),
                         str(c.weight)) for c in rubric.criteria))
    said = ("kept since its scoring started" if rubric.frozen else
            "the current one: it is kept for this cut-off when its scoring starts")
    return Outcome(Card(title=f"Rubric of the cut-off of {cutoff.date.isoformat()}: "
                              f"version {rubric.version}", table=table, context=(said,)))


def _frozen_lines(session: Session) -> tuple[str, ...]:
    """Which cut-offs keep which version (the newest few)."""
    rows = session.execute(select(Cutoff.date, Cutoff.rubric_version)
                           .where(Cutoff.rubric_version.is_not(None))
                           .order_by(Cutoff.date.desc()).limit(6)).all()
    if not rows:
        return ("No cut-off has started scoring yet: the next one to start keeps this "
                "version.",)
    return ("Cut-offs keep the version in force when their scoring started: " + ", ".join(
        f"{day.isoformat()} version {version}" for day, version in rows) + ".",)


def _number(args: Args, key: str, current: int) -> int:
    value = args.options.get(key)
    if value is None:
        return current
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"`{key}:` takes a whole number, not `{value}`") from None


@commands.command(
    "rubric set",
    usage='rubric set KEY label:"..." threshold:N weight:N max:N [min:N] [active:yes|no] '
          '[description:"..."]',
    summary="change or add a rubric criterion", roles=SECRETARIAT, writes=True,
)
def set_criterion(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"label", "threshold", "weight", "max", "min", "active", "description"},
                max_positional=1)
    key = (args.first() or "").lower()
    if not _KEY.match(key):
        raise CommandError("name the criterion by its key: lower-case letters and `_`")
    row = ctx.session.get(RubricCriterion, key)
    created = row is None
    if row is None:
        if "label" not in args.options:
            raise NotFound(f"No criterion `{key}`; to add one, give at least `label:`.")
        last = ctx.session.scalar(select(func.max(RubricCriterion.position))) or 0
        row = RubricCriterion(key=key, label="", description="", scale_min=0, scale_max=5,
                              threshold=3, weight=1, position=last + 1, active=True)
    before = None if created else _as_dict(row)
    active = args.options.get("active", "yes" if row.active else "no").lower()
    if active not in ("yes", "no"):
        raise CommandError("`active:` takes yes or no")
    new = {
        "label": args.options.get("label", row.label).strip(),
        "description": args.options.get("description", row.description),
        "scale_min": _number(args, "min", row.scale_min),
        "scale_max": _number(args, "max", row.scale_max),
        "threshold": _number(args, "threshold", row.threshold),
        "weight": _number(args, "weight", row.weight),
        "active": active == "yes",
    }
    _check(new)
    if not new["active"] and not ctx.session.scalar(
            select(func.count()).select_from(RubricCriterion)
            .where(RubricCriterion.active.is_(True), RubricCriterion.key != key)):
        raise CommandError("the rubric needs at least one active criterion", show_usage=False)
    for name, value in new.items():
        setattr(row, name, value)
    if created:
        ctx.session.add(row)
    ctx.session.flush()
    version = record_version(ctx.session, ctx.now)
    ctx.audit("rubric", key, "create" if created else "update", before,
              {**_as_dict(row), "version": version})
    return Outcome(Card(title=f"Rubric criterion `{key}` {'added' if created else 'changed'}",
                        text=(criterion_line(row),), facts=(Fact("Rubric", f"version {version}"),),
                        context=_applies_to(ctx.session, version), tone="success"))


def _applies_to(session: Session, version: int) -> tuple[str, ...]:
    kept = session.execute(select(Cutoff.date, Cutoff.rubric_version)
                           .where(Cutoff.rubric_version.is_not(None),
                                  Cutoff.rubric_version != version,
                                  Cutoff.announced_at.is_(None))
                           .order_by(Cutoff.date)).all()
    said = f"Version {version} applies to the cut-offs whose scoring has not started yet."
    if not kept:
        return (said,)
    return (said, "Cut-offs being scored or decided keep their version, so their totals and "
            "pass or fail do not change: " + ", ".join(f"{day.isoformat()} (version {v})"
                                                      for day, v in kept) + ".")


def _check(new: dict[str, object]) -> None:
    low, high = int(str(new["scale_min"])), int(str(new["scale_max"]))
    threshold, weight = int(str(new["threshold"])), int(str(new["weight"]))
    if not new["label"]:
        raise CommandError("the label cannot be empty")
    if low < 0 or high <= low or high > 100:
        raise CommandError("the scale needs 0 <= min < max <= 100")
    if not low <= threshold <= high:
        raise CommandError(f"the threshold must lie on the scale ({low} to {high})")
    if not 0 <= weight <= 100:
        raise CommandError("the weight must be between 0 and 100")


def _as_dict(row: RubricCriterion) -> dict[str, object]:
    return {"label": row.label, "description": row.description, "min": row.scale_min,
            "max": row.scale_max, "threshold": row.threshold, "weight": row.weight,
            "active": row.active}
