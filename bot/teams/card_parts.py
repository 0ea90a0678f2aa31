"""Small Adaptive Card pieces the card and form renderers share, and the submit data keys.

A button's or form's Action.Submit data carries the command to run under COMMAND_KEY; a
form also sets FORM_KEY (its inputs are the form values) and names under LIST_KEY the
inputs whose values come back as one comma-joined string but mean a list.
"""

from __future__ import annotations

import re
from typing import Any

COMMAND_KEY = "s3desk"
FORM_KEY = "s3desk_form"
LIST_KEY = "s3desk_lists"
RESERVED_KEYS = frozenset({COMMAND_KEY, FORM_KEY, LIST_KEY})

ELLIPSIS = "…"
MAX_LABEL = 60
_MARKDOWN = re.compile(r"([\\`*_\[\]()#<>~|!])")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)", re.M)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def escape_markdown(text: str) -> str:
    """Text for an element that reads Markdown (a Fact), shown as typed: no links, no emphasis."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return _LIST_START.sub(r"\1\\\2\3", escaped)


def text_run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def plain_block(text: str, **style: Any) -> dict[str, Any]:
    """A block of plain text: a TextRun never interprets Markdown."""
    return {"type": "RichTextBlock", "inlines": [text_run(text, **style)]}


def plain_lines(text: str, **style: Any) -> list[dict[str, Any]]:
    """Plain text over several lines, a block a line: not every Teams client breaks a
    TextRun at a newline, and a letter must keep its paragraphs."""
    return [{**plain_block(line or " ", **style), **({"spacing": "None"} if i else {})}
            for i, line in enumerate(text.split("\n"))]


def submit(title: str, data: dict[str, Any], style: str = "default",
           **extra: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Submit", "title": clip(title, MAX_LABEL),
                              "data": data, **extra}
    if style != "default":
        action["style"] = style
    return action


def command_data(command: str) -> dict[str, Any]:
    return {COMMAND_KEY: command}
