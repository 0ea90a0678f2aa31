"""Slack's published Block Kit limits, checked the way Slack refuses a payload.

The fake Web API answers `invalid_blocks` when a payload breaks one of these, so an
end-to-end test fails exactly where Slack would have rejected the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100
# Slack markup that notifies or links: must never appear in text we render
MARKUP = re.compile(r"<(?:!|@|#|https?:|mailto:)")


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, dict) else 0


def _check_text(obj: Any, limit: int, where: str) -> Iterator[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        yield f"{where}: not a text object"
        return
    if not obj.get("text"):
        yield f"{where}: empty text"
    elif len(obj["text"]) > limit:
        yield f"{where}: {len(obj['text'])} > {limit} characters"


def _check_element(element: dict[str, Any], where: str) -> Iterator[str]:
    kind = element.get("type")
    if kind == "button":
        yield from _check_text(element.get("text"), 75, f"{where} button")
        if len(element.get("value", "")) > 2000:
            yield f"{where}: button value too long"
    for opt in element.get("options", []):
        yield from _check_text(opt.get("text"), 75, f"{where} option")
        if len(opt.get("value", "")) > 150:
            yield f"{where}: option value too long"
    if len(element.get("options", [])) > 100:
        yield f"{where}: more than 100 options"
    if len(element.get("action_id", "")) > 255:
        yield f"{where}: action_id too long"


def block_problems(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS) -> list[str]:
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    action_ids: list[str] = []
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        kind = block.get("type")
        if kind == "header":
            problems += _check_text(block.get("text"), 150, where)
            if block.get("text", {}).get("type") != "plain_text":
                problems.append(f"{where}: header must be plain_text")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: neither text nor fields")
            if "text" in block:
                problems += _check_text(block["text"], 3000, where)
            fields = block.get("fields", [])
            if len(fields) > 10:
                problems.append(f"{where}: {len(fields)} fields > 10")
            for field in fields:
                problems += _check_text(field, 2000, f"{where} field")
        elif kind == "context":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: {len(elements)} elements")
            for element in elements:
                problems += _check_text(element, 3000, f"{where} element")
        elif kind == "actions":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}: {len(elements)} elements")
            for element in elements:
                problems += _check_element(element, where)
                action_ids.append(element.get("action_id", ""))
        elif kind == "input":
            problems += _check_text(block.get("label"), 2000, f"{where} label")
            if "hint" in block:
                problems += _check_text(block["hint"], 2000, f"{where} hint")
            problems += _check_element(block.get("element", {}), where)
        elif kind not in ("divider", "image"):
            problems.append(f"{where}: unknown block type")
        if len(block.get("block_id", "")) > 255:
            problems.append(f"{where}: block_id too long")
    if len(action_ids) != len(set(action_ids)):
        problems.append("action ids repeat within one surface")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    problems = block_problems(view.get("blocks", []), SURFACE_BLOCKS)
    if view.get("type") == "modal":
        problems += _check_text(view.get("title"), 24, "modal title")
        for key in ("submit", "close"):
            if key in view:
                problems += _check_text(view[key], 24, f"modal {key}")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata too long")
    return problems


def texts(payload: Any) -> Iterator[str]:
    """Every `text` string anywhere in a payload (what Slack would render)."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from texts(item)


def live_markup(payload: Any) -> list[str]:
    """Texts that would notify someone or link somewhere if Slack rendered them."""
    return [text for text in texts(payload) if MARKUP.search(text)]
