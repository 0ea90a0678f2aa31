"""Import every feature module so its commands join the one registry."""

from __future__ import annotations

import importlib

from handlers.registry import Registry, registry

FEATURE_MODULES = (
    "handlers.help",
)


def load_registry() -> Registry:
    for name in FEATURE_MODULES:
        importlib.import_module(name)
    return registry
