"""People: roles, grants from outside chat, linked chat accounts and each person's home."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.people import linking, roles

    for module in (roles, linking):
        registry.include(module.commands, group="people")
