"""Forms as Slack modals, and submitted modal state back to form values (pure functions).

Each input sits in a block whose id is `in.<key>`, so validation errors come back keyed by
the block of the wrong field. `private_metadata` carries the command the values are sent to
and the channel (and thread) the answer belongs in; it is ours, signed into the view by
Slack, and never carries identity.
"""

from __future__ import annotations

import json
from typing import Any

from bot.slack.mrkdwn import clip, escape
from bot.slack.render import SECTION_CHARS, SURFACE_BLOCKS, Block, plain
from handlers.core.types import Form, FormInput

FORM_CALLBACK = "s3.form"
REGION_ACTION = "s3.region"
VALUE_ACTION = "value"
BLOCK_PREFIX = "in."

TITLE_CHARS = 24
LABEL_CHARS = 2000
HINT_CHARS = 2000
OPTION_CHARS = 75
OPTION_VALUE_CHARS = 150
SELECT_OPTIONS = 100
CHECKBOX_OPTIONS = 10
TEXT_INPUT_CHARS = 3000
METADATA_CHARS = 3000
REGION_QUERY_MIN = 2


def block_id(key: str) -> str:
    return BLOCK_PREFIX + key


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_CHARS), "value": value[:OPTION_VALUE_CHARS]}


def _selected(field: FormInput) -> list[str]:
    return [v.strip() for v in (field.value or "").split(",") if v.strip()]


def element(field: FormInput) -> Block:
    if field.kind == "region":
        region: Block = {"type": "external_select", "action_id": REGION_ACTION,
                         "min_query_length": REGION_QUERY_MIN,
                         "placeholder": plain("Type a region name or code", 150)}
        if field.value:
            region["initial_option"] = option(field.value, field.value)
        return region
    if field.kind == "number":
        number: Block = {"type": "number_input", "action_id": VALUE_ACTION,
                         "is_decimal_allowed": False}
        if field.minimum is not None:
            number["min_value"] = str(field.minimum)
        if field.maximum is not None:
            number["max_value"] = str(field.maximum)
        if field.value and field.value.strip().lstrip("-").isdigit():
            number["initial_value"] = field.value.strip()
        return number
    if field.kind in ("choice", "multi_choice"):
        return _select(field)
    text: Block = {"type": "plain_text_input", "action_id": VALUE_ACTION,
                   "multiline": field.kind == "long_text"}
    if field.value:
        text["initial_value"] = field.value[:TEXT_INPUT_CHARS]
    return text


def _select(field: FormInput) -> Block:
    options = [option(v, label) for v, label in field.choices[:SELECT_OPTIONS]]
    chosen = [o for o in options if o["value"] in _selected(field)]
    if field.kind == "choice":
        select: Block = {"type": "static_select", "action_id": VALUE_ACTION, "options": options}
        if chosen:
            select["initial_option"] = chosen[0]
        return select
    kind = "checkboxes" if len(options) <= CHECKBOX_OPTIONS else "multi_static_select"
    multi: Block = {"type": kind, "action_id": VALUE_ACTION, "options": options}
    if chosen:
        multi["initial_options"] = chosen
    return multi


def input_block(field: FormInput) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id(field.key),
        "label": plain(field.label, LABEL_CHARS),
        "optional": not field.required,
        "element": element(field),
    }
    if field.hint:
        block["hint"] = plain(field.hint, HINT_CHARS)
    return block


def form_view(form: Form, channel_id: str | None = None,
              thread_id: str | None = None) -> dict[str, Any]:
    """The modal for a form; fields already in error are listed above the inputs."""
    problems = [f"*{escape(f.label)}*: {escape(f.error)}" for f in form.inputs if f.error]
    blocks: list[Block] = []
    if problems:
        text = clip(":warning: " + "\n".join(problems), SECTION_CHARS)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.extend(input_block(f) for f in form.inputs[: SURFACE_BLOCKS - len(blocks)])
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(form.title, TITLE_CHARS),
        "submit": plain(form.submit_label, TITLE_CHARS),
        "close": plain("Cancel", TITLE_CHARS),
        "private_metadata": form_metadata(form.submit_command, channel_id, thread_id),
        "blocks": blocks,
    }


def form_metadata(command: str, channel_id: str | None, thread_id: str | None) -> str:
    data = {"command": command, "channel": channel_id, "thread": thread_id}
    return json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))


def read_metadata(text: str | None) -> dict[str, str]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def form_errors(form: Form) -> dict[str, str]:
    """Slack's `response_action: errors` map: the block of each wrong field -> its message."""
    return {block_id(f.key): f.error[:HINT_CHARS] for f in form.inputs if f.error}


def form_values(state: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as {input key: str | list[str] | None}."""
    values: dict[str, Any] = {}
    found = state.get("values")
    for block, actions in (found if isinstance(found, dict) else {}).items():
        if not block.startswith(BLOCK_PREFIX) or not isinstance(actions, dict):
            continue
        for action in actions.values():
            if isinstance(action, dict):
                values[block.removeprefix(BLOCK_PREFIX)] = _action_value(action)
    return values


def _action_value(action: dict[str, Any]) -> Any:
    """What one input holds: a string, a list of strings, or None (anything else is dropped)."""
    kind = action.get("type")
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        options = action.get("selected_options")
        return [o["value"] for o in (options if isinstance(options, list) else [])
                if isinstance(o, dict) and isinstance(o.get("value"), str)]
    value = action.get("value")
    if kind in ("static_select", "external_select"):
        selected = action.get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
    return value if isinstance(value, str) else None
