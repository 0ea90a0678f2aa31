"""The programme in figures: `stats` and its chart."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.figures import stats

    for module in (stats,):
        registry.include(module.commands, group="figures")
