"""Neutral cards as readable terminal text: aligned facts, sized tables, buttons as hints.

Pure functions of a Card and a width, so the console, tests and any plain-text channel
render the same way. Nothing here escapes anything: a terminal shows text as typed,
except control characters, which are made visible so a pasted value cannot move the cursor.
"""

from __future__ import annotations

import textwrap
import unicodedata

from handlers.core.types import Card, Fact, Form, FormInput, Notice, Pager, Table

DEFAULT_WIDTH = 100
# a table column never gets narrower than this, so headers stay readable
MIN_COLUMN = 6
# labels longer than this go on their own line instead of widening every fact
MAX_LABEL = 34
TONE_MARK = {"info": "", "success": "ok: ", "warning": "warning: ", "error": "error: "}


def clean(text: str) -> str:
    """One visible line: control characters (escape sequences, tabs) shown, never obeyed."""
    out = []
    for ch in text:
        if ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else " ")
        else:
            out.append(ch)
    return "".join(out)


def display_width(text: str) -> int:
    """Terminal columns a string takes: wide East Asian characters take two, marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        step = 0 if unicodedata.combining(ch) else display_width(ch)
        if used + step > width - 1:
            break
        out.append(ch)
        used += step
    return "".join(out) + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def render_card(card: Card, width: int = DEFAULT_WIDTH) -> str:
    lines = [TONE_MARK.get(card.tone, "") + clean(card.title)]
    lines.append("-" * min(width, max(display_width(lines[0]), 3)))
    for paragraph in card.text:
        lines.extend(_wrap(paragraph, width))
    if card.facts:
        lines.extend(render_facts(card.facts, width))
    if card.table is not None:
        lines.extend(render_table(card.table, width))
    if card.form is not None:
        lines.extend(render_form_summary(card.form))
    for line in card.context:
        lines.extend("  " + part for part in _wrap(line, width - 2))
    pager = card.pager
    if pager is not None and (pager.pages > 1 or pager.next_command or pager.previous_command):
        lines.append(render_pager(pager))
    if card.buttons:
        lines.append("  ".join(f"[{clean(b.label)}] -> {clean(b.command)}" for b in card.buttons))
    return "\n".join(line.rstrip() for line in lines)


def _wrap(paragraph: str, width: int) -> list[str]:
    out: list[str] = []
    for raw in paragraph.splitlines() or [""]:
        line = clean(raw)
        out.extend(textwrap.wrap(line, width, break_on_hyphens=False,
                                 subsequent_indent=_indent_of(line)) or [""])
    return out


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def render_facts(facts: tuple[Fact, ...], width: int = DEFAULT_WIDTH) -> list[str]:
    labels = [clean(f.label) for f in facts]
    fitting = [display_width(label) for label in labels if display_width(label) <= MAX_LABEL]
    label_width = max(fitting, default=0)
    lines: list[str] = []
    for label, fact in zip(labels, facts, strict=True):
        value_lines = (fact.value or "").splitlines() or [""]
        indent = " " * (label_width + 2)
        if display_width(label) > MAX_LABEL:
            lines.append(f"{label}:")
            first_prefix = indent
        else:
            first_prefix = pad(f"{label}:", label_width + 2)
        room = max(20, width - label_width - 2)
        wrapped: list[str] = []
        for raw in value_lines:
            wrapped.extend(textwrap.wrap(clean(raw), room, break_on_hyphens=False) or [""])
        lines.append(first_prefix + wrapped[0])
        lines.extend(indent + more for more in wrapped[1:])
    return lines


def render_table(table: Table, width: int = DEFAULT_WIDTH) -> list[str]:
    if not table.rows:
        return ["(nothing to show)"]
    columns = [clean(c) for c in table.columns]
    rows = [[clean(cell or "").replace("\n", " ") for cell in row] for row in table.rows]
    widths = [
        max([display_width(columns[i])] + [display_width(r[i]) for r in rows if i < len(r)])
        for i in range(len(columns))
    ]
    widths = _fit(widths, width - 2 * (len(widths) - 1))
    lines = ["  ".join(pad(truncate(c, w), w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [row[i] if i < len(row) else "" for i in range(len(widths))]
        lines.append("  ".join(pad(truncate(c, w), w) for c, w in zip(cells, widths, strict=True)))
    return lines


def _fit(widths: list[int], room: int) -> list[int]:
    """Shrink the widest columns first until the table fits the room."""
    widths = list(widths)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_COLUMN:
            break
        widths[widest] -= 1
    return widths


def render_pager(pager: Pager) -> str:
    parts = [pager.summary]
    if pager.previous_command:
        parts.append(f"previous: {pager.previous_command}")
    if pager.next_command:
        parts.append(f"next: {pager.next_command}")
    return " — ".join(parts)


def render_form_summary(form: Form) -> list[str]:
    lines = [f"Form: {clean(form.title)} (sent to `{form.submit_command}`)"]
    lines.extend(f"  {describe_input(field)}" for field in form.inputs)
    return lines


def describe_input(field: FormInput) -> str:
    text = clean(field.label) + ("" if field.required else " (optional)")
    if field.hint:
        text += f" — {clean(field.hint)}"
    return text


def render_notice(notice: Notice, whom: str) -> str:
    summary = clean(notice.card.title)
    # the first line only: a letter's line breaks would show as `\x0a`; `letter REF` shows it whole
    first = next(iter(notice.card.text[0].strip().splitlines()), "") if notice.card.text else ""
    if first:
        summary += f" — {truncate(clean(first), 80)}"
    return f"-> {whom}: {summary}"
