"""The `expert add` form: one input per expert field, refilled with errors on a bad submit."""

from __future__ import annotations

from handlers.core.types import Form, FormInput
from handlers.experts.fields import BY_KEY, EXPERT_STATUSES, MAX_DAYS_PER_QUARTER
from storage.languages import eu_languages, language_name
from storage.models import TOPICS

_KINDS: dict[str, str] = {
    "languages": "multi_choice", "topics": "multi_choice", "days": "number",
    "status": "choice", "region": "region", "areas": "long_text", "conflict_orgs": "long_text",
}


def _choices(key: str) -> tuple[tuple[str, str], ...]:
    if key == "languages":
        return tuple((code, f"{language_name(code)} ({code})") for code in eu_languages())
    if key == "topics":
        return tuple((topic, topic.replace("_", " ")) for topic in TOPICS)
    if key == "status":
        return tuple((s, s) for s in EXPERT_STATUSES)
    return ()


def expert_form(
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Form:
    """The form, with what was typed kept and each problem shown on its own input."""
    values = values or {}
    errors = errors or {}
    inputs = []
    for key, spec in BY_KEY.items():
        kind = _KINDS.get(key, "text")
        inputs.append(FormInput(
            key=key,
            label=spec.label,
            kind=kind,  # type: ignore[arg-type]
            required=spec.required,
            choices=_choices(key),
            minimum=0 if key == "days" else None,
            maximum=MAX_DAYS_PER_QUARTER if key == "days" else None,
            value=values.get(key) or ("active" if key == "status" else None),
            hint=spec.hint or None,
            error=errors.get(key),
        ))
    inputs.append(FormInput("person", "Chat identity", required=False,
                            value=values.get("person"), hint="@name of the expert, if any",
                            error=errors.get("person")))
    return Form(submit_command="expert add", title="Add an expert", inputs=tuple(inputs),
                submit_label="Add")
