"""Reminders: what the programme reminds people of and when, the sweep, and the outbox view."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.reminders import commands, outbox

    for module in (commands, outbox):
        registry.include(module.commands, group="reminders")
