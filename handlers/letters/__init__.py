"""Letters to applicants: written in their language, e-mailed through the outbox, shown whole,
sent again on request, and followed until they arrive."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.letters import commands

    registry.include(commands.commands, group="letters")
