"""The scoring rubric as data: `rubric` shows it, `rubric set` changes or adds a criterion."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.parse import Args
from handlers.core.registry import KNOWN, SECRETARIAT, Commands
from handlers.core.types import Card, Outcome, Table
from storage.models import Application, RubricCriterion, Score

commands = Commands()

_KEY = re.compile(r"^[a-z][a-z_]{0,39}$")
_BEING_SCORED = ("in_evaluation", "scored")


_ACTIVE = (select(RubricCriterion).where(RubricCriterion.active.is_(True))
           .order_by(RubricCriterion.position, RubricCriterion.key))


def active_criteria(session: Session) -> list[RubricCriterion]:
    return list(session.scalars(_ACTIVE))


def criterion_line(c: RubricCriterion) -> str:
    return f"{c.label}: {c.scale_min} to {c.scale_max}, threshold {c.threshold}"


@commands.command("rubric", usage="rubric", summary="the scoring rubric", roles=KNOWN)
def show_rubric(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    rows = list(ctx.session.scalars(
        select(RubricCriterion).order_by(RubricCriterion.position, RubricCriterion.key)))
    table = Table(
        ("key", "criterion", "scale", "threshold", "weight", "active"),
        tuple((c.key, c.label, f"{c.scale_min}-{c.scale_max}", str(c.threshold), str(c.weight),
               "yes" if c.active else "no") for c in rows),
    )
    text = tuple(f"{c.label}: {c.description}" for c in rows if c.active and c.description)
    return Outcome(Card(
        title="Scoring rubric", table=table, text=text,
        context=("A case passes when every criterion's mean reaches its threshold.",),
    ))


def _number(args: Args, key: str, current: int) -> int:
    value = args.options.get(key)
    if value is None:
        return current
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"`{key}:` takes a whole number, not `{value}`") from None


def _scores_in_progress(session: Session) -> int:
    return session.scalar(
        select(func.count(Score.id)).join(Application, Application.id == Score.application_id)
        .where(Application.status.in_(_BEING_SCORED))
    ) or 0


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
    reshapes = bool(new["active"]) if created else any(
        new[k] != getattr(row, k) for k in ("scale_min", "scale_max", "active"))
    if reshapes and _scores_in_progress(ctx.session):
        # A new criterion, a retired one or a new scale would leave scores already given
        # incomplete or out of range; labels, thresholds and weights may still change.
        raise CommandError("cases are being scored: the scale and the set of criteria can "
                           "change once they are decided (labels, thresholds and weights "
                           "may change now)", show_usage=False)
    for name, value in new.items():
        setattr(row, name, value)
    if created:
        ctx.session.add(row)
    ctx.audit("rubric", key, "create" if created else "update", before, _as_dict(row))
    return Outcome(Card(title=f"Rubric criterion `{key}` {'added' if created else 'changed'}",
                        text=(criterion_line(row),), tone="success"))


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
