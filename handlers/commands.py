"""The registry every platform runs: each feature package registers its own commands.

Adding a package means adding it to `PACKAGES`; adding a command to a package means listing
its module in that package's `register`. A test fails when a module's commands reach no
registry, so nothing disappears silently.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

from handlers import (
    cases,
    core,
    cutoffs,
    decisions,
    delivery,
    evaluation,
    experts,
    figures,
    letters,
    people,
    places,
    privacy,
    reminders,
)
from handlers.core.registry import Registry

PACKAGES: tuple[ModuleType, ...] = (
    core, cases, cutoffs, evaluation, decisions, letters, experts, delivery, reminders, places,
    people, figures, privacy,
)


def build_registry() -> Registry:
    registry = Registry()
    for package in PACKAGES:
        package.register(registry)
    return registry


@cache
def load_registry() -> Registry:
    """The one registry of this process, built on first use."""
    return build_registry()
