"""The expert database and matching experts to approved applications."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.experts import database, matching

    for module in (database, matching):
        registry.include(module.commands, group="experts")
