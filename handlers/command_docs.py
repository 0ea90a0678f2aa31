"""The command reference, written from the one registry so the docs cannot drift from it."""

from __future__ import annotations

from handlers.commands import load_registry
from handlers.core.help import by_group
from handlers.core.registry import Command
from storage.models import Role

_WHO: dict[frozenset[str], str] = {
    frozenset(): "anyone",
    frozenset({Role.SECRETARIAT, Role.EVALUATOR, Role.OBSERVER}): "anyone known",
}


def _who(command: Command) -> str:
    return _WHO.get(command.roles) or ", ".join(sorted(command.roles))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def command_reference_markdown() -> str:
    lines = [
        "# Command reference",
        "",
        "The same words work after `/s3` in Slack, after a mention of the bot in a Teams",
        "channel (or alone in a chat with it), and at the `s3desk console` prompt.",
        "This page is written from the command registry (`python -m handlers.command_docs`),",
        "grouped by the package of `handlers/` that defines each command.",
    ]
    for title, members in by_group(load_registry().all()):
        package = members[0].group
        lines += ["", f"## {title} (`handlers/{package}`)", "",
                  "| command | who | what |", "|---|---|---|"]
        lines += [f"| `{_cell(c.usage)}` | {_who(c)} | {_cell(c.summary)} |" for c in members]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(command_reference_markdown(), end="")
