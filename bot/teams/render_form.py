"""A neutral Form as Adaptive Card inputs, with a submit that carries the form's command.

Teams checks `isRequired` and number bounds in the client and shows `errorMessage`; the
desk checks again, and a value it refuses comes back as `FormInput.error`, shown in red
right under that input when the card is drawn again.
"""

from __future__ import annotations

from typing import Any

from bot.teams.card_parts import (
    COMMAND_KEY,
    FORM_KEY,
    LIST_KEY,
    clip,
    plain_block,
    submit,
)
from handlers.core.types import Form, FormInput

MAX_INPUT_LABEL = 100
MAX_CHOICE_TITLE = 150
MAX_HINT = 150
# up to this many choices show as check boxes; more as a drop-down
MAX_EXPANDED_CHOICES = 8
REGION_HINT = "NUTS-2 code or region name, e.g. EL51"


def render_form(form: Form) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Body elements and the submit action of a form."""
    body: list[dict[str, Any]] = []
    if form.title:
        body.append(plain_block(clip(form.title, MAX_INPUT_LABEL), weight="Bolder"))
    if any(field.error for field in form.inputs):
        body.append(plain_block("Please correct the fields marked below.", color="Attention"))
    for field in form.inputs:
        body.append(render_input(field))
        if field.error:
            body.append({**plain_block(field.error, color="Attention", size="Small"),
                         "spacing": "None"})
    lists = [field.key for field in form.inputs if field.kind == "multi_choice"]
    data: dict[str, Any] = {COMMAND_KEY: form.submit_command, FORM_KEY: True}
    if lists:
        data[LIST_KEY] = lists
    return body, [submit(form.submit_label, data, "positive")]


def render_input(field: FormInput) -> dict[str, Any]:
    element: dict[str, Any] = {
        "id": field.key,
        "label": clip(field.label, MAX_INPUT_LABEL),
        "isRequired": field.required,
        "errorMessage": client_error(field),
    }
    hint = clip(field.hint, MAX_HINT) if field.hint else None
    if field.kind in ("text", "long_text") or (field.kind == "region" and not field.choices):
        element["type"] = "Input.Text"
        if field.kind == "long_text":
            element["isMultiline"] = True
        placeholder = hint or (REGION_HINT if field.kind == "region" else None)
        if placeholder:
            element["placeholder"] = placeholder
        if field.value:
            element["value"] = field.value
    elif field.kind == "number":
        element["type"] = "Input.Number"
        if field.minimum is not None:
            element["min"] = field.minimum
        if field.maximum is not None:
            element["max"] = field.maximum
        if hint:
            element["placeholder"] = hint
        number = _number(field.value)
        if number is not None:
            element["value"] = number
    else:
        element.update(_choices(field, hint))
    return element


def _choices(field: FormInput, hint: str | None) -> dict[str, Any]:
    many = field.kind == "multi_choice"
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "choices": [{"title": clip(label, MAX_CHOICE_TITLE), "value": value}
                    for value, label in field.choices],
        "style": "expanded" if many and len(field.choices) <= MAX_EXPANDED_CHOICES
        else "compact",
        "wrap": True,
    }
    if many:
        element["isMultiSelect"] = True
    if hint and not many:
        element["placeholder"] = hint
    if field.value:
        element["value"] = field.value
    return element


def client_error(field: FormInput) -> str:
    """What Teams shows when its own check of the input fails, before anything is sent."""
    if field.kind == "number" and (field.minimum is not None or field.maximum is not None):
        low = "" if field.minimum is None else str(field.minimum)
        high = "" if field.maximum is None else str(field.maximum)
        if low and high:
            return f"{field.label}: a whole number from {low} to {high}"
        return f"{field.label}: a number {'of at least ' + low if low else 'up to ' + high}"
    if field.kind in ("choice", "multi_choice"):
        return f"{field.label}: please choose"
    return f"{field.label}: please fill this in"


def _number(value: str | None) -> int | float | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
