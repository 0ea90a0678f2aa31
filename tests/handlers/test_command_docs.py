from __future__ import annotations

from handlers.command_docs import command_reference_markdown
from handlers.commands import load_registry
from tests.paths import ROOT

DOC = ROOT / "docs" / "commands.md"


def test_the_command_reference_matches_the_registry() -> None:
    assert DOC.read_text(encoding="utf-8") == command_reference_markdown(), (
        "docs/commands.md is stale: run `python -m handlers.command_docs > docs/commands.md`"
    )


def test_every_command_has_a_usage_line_starting_with_its_verb() -> None:
    for command in load_registry().all():
        assert command.usage.startswith(command.verb), command.verb
        assert command.summary
