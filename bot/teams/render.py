"""Neutral cards as Adaptive Cards 1.5, the version Teams renders on desktop and mobile.

Card text is plain text. A TextBlock reads Markdown, so whatever a person typed goes into
the TextRuns of a RichTextBlock, which show text exactly as given; a FactSet reads Markdown
too, so facts get their Markdown characters escaped. Every button is an Action.Submit whose
data carries the command it runs; a form's submit also says which inputs come back as lists.
Pure: no I/O, nothing but dicts out.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

from bot.teams.card_parts import (
    clip,
    command_data,
    escape_markdown,
    plain_block,
    plain_lines,
    submit,
)
from bot.teams.render_form import render_form
from handlers.core.types import Button, Card, Fact, Pager, Table

VERSION = "1.5"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"

# Teams refuses a message above about 28 KB: keep the card well inside that, leaving room
# for the activity around it (its summary is at most 300 characters).
MAX_CARD_BYTES = 24_000
MAX_TITLE = 200
MAX_TEXT = 3_000
MAX_FACT_TITLE = 120
MAX_FACT_VALUE = 1_000
MAX_CONTEXT = 500
MAX_CELL = 160
MAX_COLUMNS = 8
MAX_ROWS = 60
# more buttons than this go to the card's overflow menu
MAX_PRIMARY_ACTIONS = 5

PICTURE_TOO_LARGE = ("The chart is too large to show here; it shows in Slack and the "
                     "console, and in Teams once the server's public address is set "
                     "(S3DESK_PUBLIC_URL).")

TONE_COLOURS = {"info": "Default", "success": "Good", "warning": "Warning", "error": "Attention"}
BUTTON_STYLES = {"default": "default", "primary": "positive", "danger": "destructive"}


def render(card: Card) -> dict[str, Any]:
    """The card as an Adaptive Card, shrunk (fewer rows, shorter text) until Teams takes it."""
    rows, text_limit, image = MAX_ROWS, MAX_TEXT, card.image_png is not None
    while True:
        rendered = _build(card, rows, text_limit, image)
        if _size(rendered) <= MAX_CARD_BYTES:
            return rendered
        if image:
            image = False
        elif card.table is not None and rows > 1:
            rows //= 2
        elif text_limit > 200:
            text_limit //= 2
        else:
            return _build(_emergency(card), 0, 200, False)


def _size(rendered: dict[str, Any]) -> int:
    """Bytes as the connector sends them: JSON with non-ASCII escaped (`é` is 6 bytes, `😀`
    12), the larger of the two ways Teams could count."""
    return len(json.dumps(rendered).encode("utf-8"))


def _build(card: Card, row_limit: int, text_limit: int, image: bool) -> dict[str, Any]:
    colour = TONE_COLOURS[card.tone]
    body: list[dict[str, Any]] = [
        plain_block(clip(card.title, MAX_TITLE), weight="Bolder", size="Medium", color=colour)
    ]
    body += [block for paragraph in card.text if paragraph
             for block in plain_lines(clip(paragraph, text_limit))]
    if card.facts:
        body.append(_facts(card.facts, text_limit))
    if card.table is not None:
        body += _table(card.table, row_limit)
    body += _picture(card, image)
    actions: list[dict[str, Any]] = []
    if card.form is not None:
        form_body, form_actions = render_form(card.form)
        body += form_body
        actions += form_actions
    if card.pager is not None:
        body += _pager(card.pager)
    body += [plain_block(clip(line, MAX_CONTEXT), isSubtle=True, size="Small")
             for line in card.context if line]
    actions += [_button(button) for button in card.buttons]
    for extra in actions[MAX_PRIMARY_ACTIONS:]:
        extra["mode"] = "secondary"
    rendered: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "body": body,
        "fallbackText": fallback_text(card),
    }
    if actions:
        rendered["actions"] = actions
    return rendered


def _picture(card: Card, inline: bool) -> list[dict[str, Any]]:
    """The card's picture: by its address when it has one, else inline while it fits."""
    alt = clip(card.title, MAX_TITLE)
    if card.image_url:
        return [{"type": "Image", "url": card.image_url, "altText": alt}]
    if not card.image_png:
        return []
    if inline:
        encoded = base64.b64encode(card.image_png).decode("ascii")
        return [{"type": "Image", "url": f"data:image/png;base64,{encoded}", "altText": alt}]
    return [plain_block(PICTURE_TOO_LARGE, isSubtle=True, size="Small")]


def fallback_text(card: Card) -> str:
    """What a notification or a client without cards shows: the title and the first line."""
    first = next((line for line in card.text if line), "")
    return clip(f"{card.title}: {first}" if first else card.title, 300)


def _facts(facts: tuple[Fact, ...], text_limit: int) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [
            {"title": escape_markdown(clip(f.label, MAX_FACT_TITLE)),
             "value": escape_markdown(clip(f.value, min(MAX_FACT_VALUE, text_limit)))}
            for f in facts
        ],
    }


def _table(table: Table, row_limit: int) -> list[dict[str, Any]]:
    columns = table.columns[:MAX_COLUMNS]
    width = len(columns) or max((len(r) for r in table.rows), default=0)
    if width == 0:
        return []
    elements = []
    if columns:
        elements.append(_row(columns, width, header=True))
    for index, row in enumerate(table.rows[:row_limit]):
        elements.append(_row(row, width, separator=index == 0 and bool(columns)))
    hidden = len(table.rows) - min(len(table.rows), row_limit)
    notes = []
    if hidden:
        notes.append(f"{hidden} more row{'s' if hidden != 1 else ''} not shown here.")
    if len(table.columns) > MAX_COLUMNS:
        notes.append("Columns not shown: " + ", ".join(table.columns[MAX_COLUMNS:]))
    elements += [plain_block(clip(n, MAX_CONTEXT), isSubtle=True, size="Small") for n in notes]
    return elements


def _row(cells: tuple[str, ...], width: int, *, header: bool = False,
         separator: bool = False) -> dict[str, Any]:
    padded = (tuple(cells) + ("",) * width)[:width]
    style = {"weight": "Bolder"} if header else {}
    row: dict[str, Any] = {
        "type": "ColumnSet",
        "spacing": "Small",
        "columns": [
            {"type": "Column", "width": "stretch",
             "items": [plain_block(clip(cell, MAX_CELL), **style)]}
            for cell in padded
        ],
    }
    if separator:
        row["separator"] = True
    return row


def _pager(pager: Pager) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = [plain_block(pager.summary, isSubtle=True, size="Small")]
    moves = []
    if pager.previous_command:
        moves.append(submit("Previous", command_data(pager.previous_command),
                            associatedInputs="none"))
    if pager.next_command:
        moves.append(submit("Next", command_data(pager.next_command), associatedInputs="none"))
    if moves:
        elements.append({"type": "ActionSet", "actions": moves})
    return elements


def _button(button: Button) -> dict[str, Any]:
    return submit(button.label, command_data(button.command), BUTTON_STYLES[button.style],
                  associatedInputs="none")


def _emergency(card: Card) -> Card:
    """The last resort for content Teams cannot take even shrunk: say so, keep the buttons
    that fit. A button's command is kept whole or left out: a shortened command would run
    something else. Title and text are bounded, so this card always fits."""
    kept = Card(
        title=card.title[:MAX_TITLE],
        text=("This answer is too long to show in Teams. Narrow it down (filters, a page) "
              "or use the console or an export.",),
        tone="warning",
    )
    for button in card.buttons[:MAX_PRIMARY_ACTIONS]:
        tried = replace(kept, buttons=(*kept.buttons, button))
        if _size(_build(tried, 0, 200, False)) <= MAX_CARD_BYTES:
            kept = tried
    return kept
