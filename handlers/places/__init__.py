"""Places: which channels receive reminders, evaluation threads and announcements."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.places import here

    for module in (here,):
        registry.include(module.commands, group="places")
