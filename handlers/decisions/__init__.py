"""Decisions: the proposal, deciding case by case, announcing, and the applicants' letters."""

from __future__ import annotations

from handlers.core.registry import Registry


def register(registry: Registry) -> None:
    """Include this package's commands; imported here, not above, so that importing one
    module of the package never loads the others."""
    from handlers.decisions import announce, deciding, templates

    for module in (deciding, announce, templates):
        registry.include(module.commands, group="decisions")
