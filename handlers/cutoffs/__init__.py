"""Cut-offs: the calendar, finding a cut-off, its settings, adding or moving one, and the
calendar feed of the programme's dates."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.cutoffs import changes, ics, overview, settings

    for module in (overview, changes, settings, ics):
        registry.include(module.commands, group="cutoffs")
