"""One command table shared by every platform: verb, usage line, who may run it, handler."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from handlers.core.context import Context
from handlers.core.parse import Args
from handlers.core.types import Outcome

Handler = Callable[[Context, Args], Outcome]

# Who may run a command: a set of roles; KNOWN means any role; ANYONE includes strangers.
ANYONE: frozenset[str] = frozenset()
KNOWN = frozenset({"secretariat", "evaluator", "observer"})
SECRETARIAT = frozenset({"secretariat"})
READERS = frozenset({"secretariat", "observer"})


@dataclass(frozen=True)
class Command:
    verb: str
    usage: str
    summary: str
    roles: frozenset[str]
    handler: Handler
    writes: bool = False
    # shown by `help` to people with one of these roles (defaults to `roles`)
    group: str = "cases"


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}

    def command(
        self,
        verb: str,
        *,
        usage: str,
        summary: str,
        roles: frozenset[str],
        writes: bool = False,
        group: str = "cases",
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if verb in self._commands:
                raise ValueError(f"command `{verb}` registered twice")
            self._commands[verb] = Command(verb, usage, summary, roles, handler, writes, group)
            return handler

        return register

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


registry = Registry()
