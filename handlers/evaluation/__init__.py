"""Evaluation: screening, closing a cut-off into evaluation, panels, scores, consensus."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.evaluation import (
        assigning,
        card,  # noqa: F401  (adds its part to the shared case card)
        closing,
        conflicts,
        consensus,
        rubric,
        scoring,
        screening,
        unassigning,
    )

    modules = (closing, screening, assigning, unassigning, conflicts, rubric, scoring, consensus)
    for module in modules:
        registry.include(module.commands, group="evaluation")
