"""One command table shared by every platform: verb, usage line, who may run it, handler.

Each feature module lists its commands in a `Commands` of its own; each feature package's
`register(registry)` includes them. Nothing joins the table by being imported, so the table
is exactly what `handlers.commands.build_registry` assembles.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from handlers.core.context import Context
from handlers.core.parse import Args
from handlers.core.types import Outcome
from storage.models import Role

Handler = Callable[[Context, Args], Outcome]

# Who may run a command: a set of roles; KNOWN means any role; ANYONE includes strangers.
ANYONE: frozenset[str] = frozenset()
KNOWN = frozenset({Role.SECRETARIAT, Role.EVALUATOR, Role.OBSERVER})
SECRETARIAT = frozenset({Role.SECRETARIAT})
READERS = frozenset({Role.SECRETARIAT, Role.OBSERVER})


@dataclass(frozen=True)
class Command:
    verb: str
    usage: str
    summary: str
    roles: frozenset[str]
    handler: Handler
    writes: bool = False
    # the feature package that defines it: `help` and the command reference group by it
    group: str = ""


class Commands:
    """The commands one module defines, waiting to be included in a registry."""

    def __init__(self) -> None:
        self._defined: list[Command] = []

    def command(
        self,
        verb: str,
        *,
        usage: str,
        summary: str,
        roles: frozenset[str],
        writes: bool = False,
    ) -> Callable[[Handler], Handler]:
        def define(handler: Handler) -> Handler:
            self._defined.append(Command(verb, usage, summary, roles, handler, writes))
            return handler

        return define

    def __iter__(self) -> Iterator[Command]:
        return iter(self._defined)


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def include(self, commands: Iterable[Command], *, group: str) -> None:
        for command in commands:
            if command.verb in self._commands:
                raise ValueError(f"command `{command.verb}` registered twice")
            self._commands[command.verb] = replace(command, group=group)

    def lookup(self, words: list[str]) -> tuple[Command | None, int]:
        """The longest registered verb the words start with, and how many words it used."""
        for size in (3, 2, 1):
            if len(words) >= size:
                verb = " ".join(w.lower() for w in words[:size])
                if verb in self._commands:
                    return self._commands[verb], size
        return None, 0

    def suggest(self, word: str) -> list[str]:
        return difflib.get_close_matches(word.lower(), list(self._commands), n=3, cutoff=0.6)

    def all(self) -> list[Command]:
        return sorted(self._commands.values(), key=lambda c: c.verb)

    def get(self, verb: str) -> Command | None:
        return self._commands.get(verb)
