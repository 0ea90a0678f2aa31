"""Personal data: export for one person, erasure, and the retention purge."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.privacy import commands

    for module in (commands,):
        registry.include(module.commands, group="privacy")
