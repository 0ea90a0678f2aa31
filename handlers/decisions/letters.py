"""Applicant letters: Jinja2 templates per outcome (built in, or overridden by the
secretariat with `template set`), rendered with the facts of one case.

Templates run in Jinja2's sandbox with undefined names refused, so an override that names
a fact that does not exist is caught when it is saved, not when a letter is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from handlers.cases.intake_fields import TOPIC_LABELS
from handlers.cutoffs.queries import long_date
from storage.models import Application, Decision, NotificationTemplate
from storage.regions import country_name

TEMPLATES = Path(__file__).parent / "templates"
LETTER_OUTCOMES = ("approve", "reject", "reserve", "ineligible")
FACT_NAMES = ("ref", "organisation", "contact_name", "region", "region_code", "country",
              "topic", "cutoff_date", "outcome", "reason", "decided_on")

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


@cache
def _environment() -> SandboxedEnvironment:
    """Jinja2 is loaded with the first letter: a server that writes none keeps it out of memory."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                keep_trailing_newline=False)


class LetterError(ValueError):
    """A template that does not render; the message says where."""


@dataclass(frozen=True)
class Source:
    subject: str
    body: str
    override: NotificationTemplate | None


def builtin(outcome: str) -> tuple[str, str]:
    subject = (TEMPLATES / f"{outcome}.subject.j2").read_text(encoding="utf-8").strip()
    body = (TEMPLATES / f"{outcome}.body.j2").read_text(encoding="utf-8").strip()
    return subject, body


def source_for(session: Session, outcome: str) -> Source:
    row = session.get(NotificationTemplate, outcome)
    if row is not None:
        return Source(row.subject, row.body, row)
    subject, body = builtin(outcome)
    return Source(subject, body, None)


def case_facts(app: Application, decision: Decision) -> dict[str, Any]:
    erased = app.contact_erased_at is not None
    return {
        "ref": app.ref,
        "organisation": app.applicant_organisation,
        "contact_name": (None if erased else app.contact_name) or "Sir or Madam",
        "region": app.region.name,
        "region_code": app.region_code,
        "country": country_name(app.country_code),
        "topic": TOPIC_LABELS.get(app.topic, app.topic),
        "cutoff_date": long_date(app.cutoff.date),
        "outcome": decision.outcome,
        "reason": decision.reason,
        "decided_on": long_date(decision.decided_at.date()),
    }


def sample_facts(outcome: str) -> dict[str, Any]:
    return {"ref": "TA-2026-0007", "organisation": "Regional Development Agency",
            "contact_name": "Ms Example", "region": "Sample region", "region_code": "EL51",
            "country": "Greece", "topic": TOPIC_LABELS["edp"], "cutoff_date": "31 March 2026",
            "outcome": outcome, "reason": "the reason the secretariat gave",
            "decided_on": "15 April 2026"}


def render(subject: str, body: str, facts: dict[str, Any]) -> tuple[str, str]:
    from jinja2 import TemplateError

    env = _environment()
    try:
        subject_text = env.from_string(subject).render(facts).strip()
        body_text = env.from_string(body).render(facts).strip()
    except TemplateError as exc:
        raise LetterError(_explain(exc)) from None
    if "\n" in subject_text or not subject_text:
        raise LetterError("the subject must be one line of text")
    if len(subject_text) > 300:
        raise LetterError("the subject is longer than 300 characters")
    if not body_text:
        raise LetterError("the body is empty")
    return subject_text, body_text


def render_letter(session: Session, app: Application, decision: Decision) -> tuple[str, str]:
    source = source_for(session, decision.outcome)
    return render(source.subject, source.body, case_facts(app, decision))


def _explain(exc: Exception) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    message = str(getattr(exc, "message", None) or exc)
    if "is undefined" in message:
        message += f"; the facts a letter knows are {', '.join(FACT_NAMES)}"
    return f"the template does not render{where}: {message}"
