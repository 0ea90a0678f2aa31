"""Delivery: an expert assigned, the co-design parties, milestones and the overview."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.delivery import expert_assignment, milestones, overview

    for module in (expert_assignment, milestones, overview):
        registry.include(module.commands, group="delivery")
