"""The command core every feature builds on: the desk, the registry, the grammar, the context
of a request, errors, programme settings, the audit trail and lookups."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.core import help

    for module in (help,):
        registry.include(module.commands, group="core")
