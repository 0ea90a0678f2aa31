"""Forms in the terminal: each field asked in turn, choices numbered, regions searched.

A chat platform shows a form as a modal or an input card; the console asks field by field
and hands the values back to the desk exactly as a platform would (strings, and a list of
strings for multi-choice fields). Enter keeps a value the form shows, `-` empties an
optional field, and `cancel` on its own (or end of input, or Ctrl-C) abandons the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.console.render import clean
from handlers.core.types import Form, FormInput

CANCEL = "cancel"
CLEAR = "-"
MAX_REGION_MATCHES = 10

# (text typed) -> [(code, label)] of the regions that match it, best first
RegionSearch = Callable[[str], list[tuple[str, str]]]


class Cancelled(Exception):
    """The person abandoned the form (typed `cancel` or closed the input)."""


class Prompter(Protocol):
    def ask(self, prompt: str) -> str | None: ...

    def say(self, text: str) -> None: ...


def fill_form(form: Form, io: Prompter, search: RegionSearch) -> dict[str, Any]:
    io.say(f"{clean(form.title)} — answer each field. Enter keeps a [shown] value, "
           f"`{CLEAR}` empties an optional one, `{CANCEL}` abandons the form.")
    values: dict[str, Any] = {}
    for field in form.inputs:
        value = ask_field(field, io, search)
        if value not in (None, "", []):
            values[field.key] = value
    return values


def ask_field(field: FormInput, io: Prompter, search: RegionSearch) -> Any:
    if field.hint:
        io.say(f"  ({clean(field.hint)})")
    if field.error:
        io.say(f"  ! {clean(field.error)}")
    if field.kind in ("choice", "multi_choice"):
        several = " (several: 1,3)" if field.kind == "multi_choice" else ""
        io.say(f"  choose by number or name{several}:")
        for number, (value, label) in enumerate(field.choices, start=1):
            io.say(f"  {number}) {clean(label)}" + ("" if label == value else f" [{value}]"))
    label = clean(field.label) + ("" if field.required else " (optional)")
    default = f" [{clean(field.value)}]" if field.value else ""
    while True:
        typed = _read(io, f"{label}{default}: ")
        if not typed and field.value:
            typed = field.value
        elif typed == CLEAR and not field.required:
            typed = ""
        if not typed:
            if not field.required:
                return [] if field.kind == "multi_choice" else None
            io.say("  this field is needed")
            continue
        value, problem = _convert(field, typed, io, search)
        if problem is None:
            return value
        io.say(f"  {problem}")


def _read(io: Prompter, prompt: str) -> str:
    try:
        line = io.ask(prompt)
    except KeyboardInterrupt:
        raise Cancelled from None
    if line is None or line.strip().lower() == CANCEL:
        raise Cancelled
    return line.strip()


def _convert(
    field: FormInput, typed: str, io: Prompter, search: RegionSearch
) -> tuple[Any, str | None]:
    if field.kind == "number":
        return _number(field, typed)
    if field.kind == "choice":
        value = pick_choice(field.choices, typed)
        return (value, None) if value else (None, f"choose a number from 1 to {len(field.choices)}")
    if field.kind == "multi_choice":
        picked = [pick_choice(field.choices, part) for part in _split(typed)]
        if None in picked:
            return None, "choose numbers from the list, separated by commas"
        return list(dict.fromkeys(p for p in picked if p)), None
    if field.kind == "region":
        return _region(typed, io, search)
    return typed, None


def _number(field: FormInput, typed: str) -> tuple[Any, str | None]:
    try:
        number = int(typed)
    except ValueError:
        return None, "type a whole number"
    if field.minimum is not None and number < field.minimum:
        return None, f"the smallest allowed is {field.minimum}"
    if field.maximum is not None and number > field.maximum:
        return None, f"the largest allowed is {field.maximum}"
    return str(number), None


def _split(typed: str) -> list[str]:
    return [part.strip() for part in typed.replace(";", ",").split(",") if part.strip()]


def pick_choice(choices: tuple[tuple[str, str], ...], typed: str) -> str | None:
    """A choice by its number in the list, its value, or its label (any case)."""
    text = typed.strip()
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][0]
    for value, label in choices:
        if text.lower() in (value.lower(), label.lower()):
            return value
    return None


def _region(typed: str, io: Prompter, search: RegionSearch) -> tuple[Any, str | None]:
    matches = search(typed)[:MAX_REGION_MATCHES]
    exact = [code for code, _ in matches if code == typed.strip().upper()]
    if exact:
        return exact[0], None
    if not matches:
        return None, f"no region matches `{clean(typed)}`; try a code (EL51) or part of a name"
    if len(matches) == 1:
        code, label = matches[0]
        io.say(f"  -> {code} {clean(label)}")
        return code, None
    for number, (code, label) in enumerate(matches, start=1):
        io.say(f"  {number}) {code} {clean(label)}")
    answer = _read(io, "Which one (number, or search again): ")
    if answer.isdigit() and 1 <= int(answer) <= len(matches):
        return matches[int(answer) - 1][0], None
    return _region(answer, io, search) if answer else (None, "no region chosen")
