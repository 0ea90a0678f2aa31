"""Every command any module defines reaches the registry, grouped by its package."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import handlers
from handlers.commands import build_registry
from handlers.core.registry import Commands, Registry


def defined_commands() -> dict[str, str]:
    """verb -> package, for every `Commands` list in every module under handlers/."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Commands):
                for command in value:
                    found[command.verb] = info.name.split(".")[1]
    return found


def test_every_defined_command_is_registered_in_its_package_group() -> None:
    registry = build_registry()
    defined = defined_commands()
    assert len(defined) > 40
    registered = {c.verb: c.group for c in registry.all()}
    assert registered == defined


def test_a_module_left_out_of_its_package_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A package whose `register` forgets a module: the comparison above catches it."""
    import handlers.cases
    from handlers.cases import intake, listing, show

    def forgetful(registry: Registry) -> None:
        for module in (intake, listing, show):  # `edit` forgotten
            registry.include(module.commands, group="cases")

    monkeypatch.setattr(handlers.cases, "register", forgetful)
    missing = set(defined_commands()) - {c.verb for c in build_registry().all()}
    assert missing == {"set", "status", "note"}


def test_a_verb_defined_twice_is_refused() -> None:
    from handlers.core import help as help_module

    registry = Registry()
    registry.include(help_module.commands, group="core")
    try:
        registry.include(help_module.commands, group="core")
    except ValueError as exc:
        assert "registered twice" in str(exc)
    else:
        raise AssertionError("a second `help` was accepted")
