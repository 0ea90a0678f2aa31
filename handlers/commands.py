"""Import every feature module so its commands join the one registry."""

from __future__ import annotations

import importlib

from handlers.core.registry import Registry, registry

FEATURE_MODULES = (
    "handlers.core.help",
    "handlers.cases.intake",
    "handlers.cases.listing",
    "handlers.cases.show",
    "handlers.cases.edit",
    "handlers.cutoffs.overview",
    "handlers.cutoffs.changes",
    "handlers.people.roles",
    "handlers.people.linking",
    "handlers.experts.database",
    "handlers.experts.matching",
    "handlers.delivery.expert_assignment",
    "handlers.delivery.milestones",
    "handlers.delivery.overview",
    "handlers.figures.stats",
    "handlers.privacy.commands",
    "handlers.places.here",
    "handlers.reminders.commands",
    "handlers.reminders.outbox",
    "handlers.evaluation.closing",
    "handlers.evaluation.screening",
    "handlers.evaluation.assigning",
    "handlers.evaluation.unassigning",
    "handlers.evaluation.conflicts",
    "handlers.evaluation.rubric",
    "handlers.evaluation.scoring",
    "handlers.evaluation.consensus",
    "handlers.evaluation.card",
    "handlers.decisions.deciding",
    "handlers.cutoffs.settings",
    "handlers.decisions.announce",
    "handlers.decisions.templates",
)


def load_registry() -> Registry:
    for name in FEATURE_MODULES:
        importlib.import_module(name)
    return registry
