"""The intake form `new` opens: a modal in Slack, an input card in Teams, prompts in the console."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.cases.intake_fields import CATEGORY_LABELS, CHALLENGE_LABELS, TOPIC_LABELS
from handlers.core.types import Form, FormInput


def _shown(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def intake_form(
    values: Mapping[str, Any] | None = None, problems: Mapping[str, str] | None = None
) -> Form:
    """The form, filled with what was sent before and each problem on its own input."""
    values = values or {}
    problems = problems or {}

    def field(key: str, label: str, **kwargs: Any) -> FormInput:
        return FormInput(key=key, label=label, value=_shown(values.get(key)),
                         error=problems.get(key), **kwargs)

    inputs = (
        field("region", "Region (NUTS-2)", kind="region",
              hint="Type a code (EL51) or a name (Anatoliki Makedonia)"),
        field("topic", "Topic", kind="choice", choices=tuple(TOPIC_LABELS.items())),
        field("challenges", "Specific challenges", kind="multi_choice", required=False,
              choices=tuple(CHALLENGE_LABELS.items())),
        field("organisation", "Applicant organisation"),
        field("contact_name", "Contact name", required=False),
        field("contact_email", "Contact email", required=False,
              hint="Needed to inform the applicant of the decision"),
        field("language", "Language of the letters", required=False,
              hint="ISO 639-1 code or name (el, Greek); English when empty"),
        field("category", "Cohesion category (declared)", kind="choice", required=False,
              choices=tuple(CATEGORY_LABELS.items())),
        field("needs", "The region's need", kind="long_text", required=False),
        field("submitted", "Received on", required=False,
              hint="YYYY-MM-DD; leave empty for today"),
    )
    return Form(submit_command="new", title="New application", inputs=inputs,
                submit_label="Register")
