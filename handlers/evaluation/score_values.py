"""Reading a set of rubric values, typed (`relevance=4 ...`) or from a form: all or nothing.

Every active criterion is required, each a whole number on its scale; anything else is a
problem tied to the input it came from, so a form can put the message on that input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.core.parse import Args, ParseError
from handlers.core.types import Form, FormInput
from handlers.evaluation.rubric_versions import Criterion

WHOLE_NUMBER = re.compile(r"-?[0-9]{1,6}")
GENERAL = "_"  # a problem that belongs to no single input
_OPTION = re.compile(r"^[a-z][a-z_]*:.+$", re.S)


def read_values(criteria: Sequence[Criterion], raw: Mapping[str, Any], *,
                every: bool = True) -> tuple[dict[str, int], dict[str, str]]:
    """(values, problems by input key); values are only meaningful when problems is empty.
    With `every` false only the criteria given are read (a consensus on some of them)."""
    keys = {c.key for c in criteria}
    problems: dict[str, str] = {}
    unknown = sorted(k for k in raw if k not in keys)
    if unknown:
        problems[GENERAL] = (f"unknown criterion `{unknown[0]}` (the rubric has "
                             f"{', '.join(c.key for c in criteria)}); a comment that "
                             "contains `=` must be quoted")
    values: dict[str, int] = {}
    for c in criteria:
        text = "" if raw.get(c.key) is None else str(raw[c.key]).strip()
        if not text and not every:
            continue
        if not text:
            problems[c.key] = f"{c.label} is missing (every criterion needs a score)"
        elif not WHOLE_NUMBER.fullmatch(text):
            problems[c.key] = f"{c.label} must be a whole number, not `{text}`"
        elif not c.scale_min <= int(text) <= c.scale_max:
            problems[c.key] = f"{c.label} must be between {c.scale_min} and {c.scale_max}"
        else:
            values[c.key] = int(text)
    return values, problems


def problem_text(problems: Mapping[str, str]) -> str:
    return "; ".join(problems.values())


def values_form(submit_command: str, title: str, criteria: Sequence[Criterion],
                given: Mapping[str, Any] | None = None,
                problems: Mapping[str, str] | None = None,
                comment_label: str = "Comment", comment_required: bool = False) -> Form:
    """One number input per criterion (hint: the threshold) plus a comment."""
    given = given or {}
    problems = problems or {}
    inputs = [
        FormInput(key=c.key, label=c.label, kind="number", minimum=c.scale_min,
                  maximum=c.scale_max,
                  value=None if given.get(c.key) is None else str(given[c.key]),
                  hint=f"{c.scale_min} to {c.scale_max}; threshold {c.threshold}"
                       + (f". {c.description}" if c.description else ""),
                  error=problems.get(c.key))
        for c in criteria
    ]
    inputs.append(FormInput(key="comment", label=comment_label, kind="long_text",
                            required=comment_required, value=given.get("comment") or None,
                            error=problems.get("comment") or problems.get(GENERAL)))
    return Form(submit_command=submit_command, title=title, inputs=tuple(inputs))


def text_after_pairs(args: Args, first_free: int) -> str:
    """The free text after the last `criterion=N`, exactly as typed. Words between the
    first `first_free` positional words (the reference) and the last pair are refused, so
    a comment cannot swallow a score."""
    pair_at = [i for i, t in enumerate(args.tokens)
               if i not in args.positional_at and not _OPTION.match(t.value)]
    last = max(pair_at)
    stray = [i for i in args.positional_at[first_free:] if i < last]
    stray += [i for i in range(last) if i not in args.positional_at and i not in pair_at]
    if stray:
        word = args.tokens[min(stray)].value
        if "=" in word:
            raise ParseError(f"`{word}`: criteria are written in lower case, e.g. "
                             "relevance=4")
        raise ParseError(f"`{word}` comes before a score: write the comment after all the "
                         "scores")
    text = args.text[args.tokens[last].end:].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text
