"""Aggregation of a case's scores: per-criterion means, the weighted total, pass or fail
against the thresholds, and the divergence flag; a consensus replaces the means.

Means and totals are exact fractions so that ranking never depends on float rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.evaluation.panel import counted_scores
from handlers.evaluation.rubric_versions import Criterion, case_rubric
from storage.models import Application, ConsensusScore


@dataclass(frozen=True)
class CriterionResult:
    key: str
    label: str
    mean: Fraction | None
    threshold: int
    weight: int
    spread: int
    diverges: bool
    # the panel's consensus value stands in for the mean
    agreed: bool = False

    @property
    def passed(self) -> bool:
        return self.mean is not None and self.mean >= self.threshold


@dataclass(frozen=True)
class Aggregate:
    criteria: tuple[CriterionResult, ...]
    total: Fraction
    evaluators: int
    consensus: bool

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def divergent(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria if c.diverges)

    @property
    def open_consensus(self) -> tuple[str, ...]:
        """Diverging criteria still without an agreed value: a consensus covers these."""
        return tuple(c.key for c in self.criteria if c.diverges and not c.agreed)

    @property
    def agreed(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria if c.agreed)

    @property
    def needs_consensus(self) -> bool:
        return bool(self.open_consensus)

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.passed)


def number(value: Fraction | None) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def aggregate(
    criteria: Sequence[Criterion],
    scores: Sequence[Mapping[str, Any]],
    consensus: Mapping[str, Any] | None,
    divergence_spread: int,
) -> Aggregate:
    results = []
    total = Fraction(0)
    for c in criteria:
        values = [int(s[c.key]) for s in scores if s.get(c.key) is not None]
        spread = max(values) - min(values) if values else 0
        agreed = consensus is not None and consensus.get(c.key) is not None
        if consensus is not None and agreed:
            mean: Fraction | None = Fraction(int(consensus[c.key]))
        else:
            mean = Fraction(sum(values), len(values)) if values else None
        if mean is not None:
            total += mean * c.weight
        results.append(CriterionResult(c.key, c.label, mean, c.threshold, c.weight, spread,
                                       len(values) > 1 and spread >= divergence_spread,
                                       agreed))
    return Aggregate(tuple(results), total, len(scores), consensus is not None)


class Scored(Protocol):
    """A score's values: a stored score, or a panel's reading of one."""

    @property
    def values(self) -> dict[str, Any]: ...


def aggregate_scores(criteria: Sequence[Criterion], scores: Sequence[Scored],
                     consensus: ConsensusScore | None, config: ProgrammeConfig) -> Aggregate:
    """The aggregate of rows a caller already holds (so a command loads each only once)."""
    return aggregate(criteria, [s.values for s in scores],
                     consensus.values if consensus else None, config.divergence_spread)


def aggregate_case(session: Session, app: Application, config: ProgrammeConfig) -> Aggregate:
    """On the rubric of the case's cut-off (frozen once its scoring started)."""
    return aggregate_scores(case_rubric(session, app).criteria, counted_scores(session, app.id),
                            session.get(ConsensusScore, app.id), config)


def summary_lines(agg: Aggregate) -> tuple[str, ...]:
    """Means, total and verdict: for places and people allowed to see values."""
    means = ", ".join(f"{c.label} {number(c.mean)}" + ("" if c.passed else " (below)")
                      for c in agg.criteria)
    verdict = "passes every threshold" if agg.passed else "fails " + ", ".join(
        f"{c.label} ({number(c.mean)} < {c.threshold})" for c in agg.failed)
    source = f"mean of {agg.evaluators} evaluators"
    if agg.agreed:
        labels = ", ".join(c.label for c in agg.criteria if c.agreed)
        source = "consensus" if len(agg.agreed) == len(agg.criteria) else \
            f"{source}; consensus on {labels}"
    return (f"{means} ({source})", f"Weighted total {number(agg.total)}; {verdict}.")
