"""Card -> Block Kit, pure functions: no I/O, no clock, same card in, same blocks out.

Every piece of card text is escaped (see `mrkdwn`) and clipped to Slack's limits, and a
card with more content than a message holds is cut with a visible note, so Slack never
rejects what we send: 50 blocks a message (100 in modals and App Home), a header of 150
characters, section text of 3,000, at most 10 fields of 2,000 each.
"""

from __future__ import annotations

from typing import Any

from bot.slack.mrkdwn import chunks, clip, escape, safe
from handlers.core.types import Button, Card, Fact, Outcome, Pager, Table

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # modals and App Home
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
FIELDS_PER_SECTION = 10
FACT_LABEL_CHARS = 200
CONTEXT_ELEMENTS = 10
CONTEXT_CHARS = 2000
ACTIONS_ELEMENTS = 25
BUTTON_LABEL_CHARS = 75
BUTTON_VALUE_CHARS = 2000
FALLBACK_CHARS = 3000
# when a card is cut to fit, pager, context and buttons keep at most this share of it
TAIL_SHARE = 0.3

# action ids say only what kind of button was pressed; the value is the command text,
# which runs again as a new command with the presser's own identity and role.
RUN_ACTION = "s3.run"
PAGE_ACTION = "s3.page"

PICTURE_FOLLOWS = "The chart follows as a picture in our direct messages."

TONE_MARK = {"error": ":x: ", "warning": ":warning: ", "success": ":white_check_mark: "}
TONE_WORD = {"error": "Error: ", "warning": "Warning: "}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": safe(text, limit) or " ", "emoji": True}


def mrkdwn(escaped: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": escaped or " "}


def header_block(card: Card) -> Block:
    mark = TONE_MARK.get(card.tone, "")
    return {"type": "header", "text": plain(mark + card.title, HEADER_CHARS)}


def text_blocks(paragraphs: tuple[str, ...]) -> list[Block]:
    return [
        {"type": "section", "text": mrkdwn(piece)}
        for paragraph in paragraphs if paragraph.strip()
        for piece in chunks(escape(paragraph), SECTION_CHARS)
    ]


def fact_blocks(facts: tuple[Fact, ...]) -> list[Block]:
    fields = [mrkdwn(fact_text(fact)) for fact in facts]
    return [
        {"type": "section", "fields": fields[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def fact_text(fact: Fact) -> str:
    label = safe(fact.label, FACT_LABEL_CHARS)
    heading = f"*{label}*\n" if label.strip() else ""
    return heading + safe(fact.value, FIELD_CHARS - len(heading))


def table_blocks(table: Table | None) -> list[Block]:
    """One compact readable line per row, packed into sections (no monospace grid)."""
    if table is None:
        return []
    blocks: list[Block] = []
    if table.columns:
        columns = " · ".join(escape(c) for c in table.columns)
        blocks.append({"type": "context", "elements": [mrkdwn(clip(columns, CONTEXT_CHARS))]})
    lines = [row_line(row) for row in table.rows]
    packed: list[str] = []
    for line in lines:
        if packed and len(packed[-1]) + 1 + len(line) <= SECTION_CHARS:
            packed[-1] += "\n" + line
        else:
            packed.append(line)
    blocks.extend({"type": "section", "text": mrkdwn(text)} for text in packed)
    return blocks


def row_line(row: tuple[str, ...]) -> str:
    cells = [escape(cell) for cell in row if cell]
    if not cells:
        return "—"
    line = f"*{cells[0]}*" + "".join(f" · {cell}" for cell in cells[1:])
    return clip(line, SECTION_CHARS)


def context_blocks(lines: tuple[str, ...]) -> list[Block]:
    elements = [mrkdwn(safe(line, CONTEXT_CHARS)) for line in lines if line.strip()]
    return [
        {"type": "context", "elements": elements[i : i + CONTEXT_ELEMENTS]}
        for i in range(0, len(elements), CONTEXT_ELEMENTS)
    ]


def button_element(button: Button, action_id: str) -> Block:
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": plain(button.label, BUTTON_LABEL_CHARS),
        "value": button.command,
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def button_blocks(buttons: tuple[Button, ...]) -> list[Block]:
    # a command longer than a button value holds cannot run from a button: leave it out
    usable = [b for b in buttons if b.command and len(b.command) <= BUTTON_VALUE_CHARS]
    elements = [button_element(b, f"{RUN_ACTION}.{i}") for i, b in enumerate(usable)]
    return [
        {"type": "actions", "elements": elements[i : i + ACTIONS_ELEMENTS]}
        for i in range(0, len(elements), ACTIONS_ELEMENTS)
    ]


def pager_blocks(pager: Pager | None) -> list[Block]:
    if pager is None:
        return []
    blocks: list[Block] = [{"type": "context", "elements": [mrkdwn(escape(pager.summary))]}]
    elements = [
        button_element(Button(label, command), f"{PAGE_ACTION}.{name}")
        for name, label, command in (("previous", "◀ Previous", pager.previous_command),
                                     ("next", "Next ▶", pager.next_command))
        if command and len(command) <= BUTTON_VALUE_CHARS
    ]
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def card_blocks(card: Card, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    head = [header_block(card)]
    body = [*text_blocks(card.text), *fact_blocks(card.facts), *table_blocks(card.table)]
    # the tail in order of importance: paging first, then context lines, then buttons
    # a picture goes up as a file after the answer (`bot.slack.pictures`)
    context = (*card.context, PICTURE_FOLLOWS) if card.image_png else card.context
    tail = (pager_blocks(card.pager), context_blocks(context), button_blocks(card.buttons))
    return fit(head, body, tail, limit)


def fit(head: list[Block], body: list[Block], tail: tuple[list[Block], ...],
        limit: int) -> list[Block]:
    """At most `limit` blocks; what does not fit is cut and the cut is said."""
    pager, context, buttons = tail
    if len(head) + len(body) + len(pager) + len(context) + len(buttons) <= limit:
        return [*head, *body, *context, *pager, *buttons]
    budget = max(int(limit * TAIL_SHARE), len(pager))
    context = context[: max(budget - len(pager), 0)]
    buttons = buttons[: max(budget - len(pager) - len(context), 0)]
    room = limit - len(head) - len(pager) - len(context) - len(buttons) - 1
    shown, left_out = body[:room], len(body) - room
    note = {"type": "context", "elements": [mrkdwn(
        f"… {max(left_out, 0)} more part(s) not shown here: narrow the request to see them.")]}
    return [*head, *shown, note, *context, *pager, *buttons]


def fallback_text(card: Card) -> str:
    """The notification and screen-reader text of a message; escaped like the blocks."""
    first = next((t for t in card.text if t.strip()), "")
    words = TONE_WORD.get(card.tone, "") + card.title + (f": {first}" if first else "")
    return safe(words, FALLBACK_CHARS) if words.strip() else "S3 Desk"


def message(card: Card) -> dict[str, Any]:
    return {"blocks": card_blocks(card), "text": fallback_text(card)}


def reply_payload(outcome: Outcome) -> dict[str, Any]:
    """What a slash command's ack or a response_url answer carries."""
    response_type = "in_channel" if outcome.visibility == "channel" else "ephemeral"
    return {"response_type": response_type, **message(outcome.reply)}


def home_view(card: Card) -> dict[str, Any]:
    return {"type": "home", "blocks": card_blocks(card, SURFACE_BLOCKS)}


def result_modal(card: Card) -> dict[str, Any]:
    """A card shown in a modal: for buttons pressed where no message can answer (App Home)."""
    return {
        "type": "modal",
        "title": plain("S3 Desk", 24),
        "close": plain("Close", 24),
        "blocks": card_blocks(card, SURFACE_BLOCKS),
    }
