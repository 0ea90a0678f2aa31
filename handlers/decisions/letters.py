"""Applicant letters: Jinja2 templates per outcome and language (built in, or overridden by
the secretariat with `template set`), rendered with the facts of one case.

A letter is written in the applicant's language when a template exists in it (built in:
`templates/*.j2` in English, `templates/<language>/*.j2` for the others), else in English.
Dates are written the way that language writes them (babel).

Templates run in Jinja2's sandbox with undefined names refused, so an override that names
a fact that does not exist is caught when it is saved, not when a letter is due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale
from babel.dates import format_date
from sqlalchemy.orm import Session

from handlers.cases.intake_fields import TOPIC_LABELS
from storage.languages import DEFAULT_LANGUAGE, date_locale
from storage.models import Application, Decision, NotificationTemplate
from storage.regions import country_name, iso_country

if TYPE_CHECKING:
    from jinja2 import TemplateError
    from jinja2.sandbox import SandboxedEnvironment

TEMPLATES = Path(__file__).parent / "templates"
LETTER_OUTCOMES = ("approve", "reject", "reserve", "ineligible")
ACKNOWLEDGEMENT = "acknowledgement"
# every template there is: one per decision outcome, and the acknowledgement of receipt
TEMPLATE_NAMES = (*LETTER_OUTCOMES, ACKNOWLEDGEMENT)
CASE_FACTS = ("ref", "organisation", "contact_name", "region", "region_code", "country",
              "topic", "cutoff_date", "submitted_on")
DECISION_FACTS = ("outcome", "reason", "decided_on")
FACT_NAMES = CASE_FACTS + DECISION_FACTS


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
    # the language the template writes in (English when the wanted one has none)
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    language: str


def facts_of(name: str) -> tuple[str, ...]:
    """The facts a template may use: an acknowledgement knows no decision yet."""
    return CASE_FACTS if name == ACKNOWLEDGEMENT else FACT_NAMES


def _folder(language: str) -> Path:
    return TEMPLATES if language == DEFAULT_LANGUAGE else TEMPLATES / language


def builtin(name: str, language: str = DEFAULT_LANGUAGE) -> tuple[str, str] | None:
    """The built-in template in `language`, if there is one."""
    folder = _folder(language)
    subject, body = folder / f"{name}.subject.j2", folder / f"{name}.body.j2"
    if not (subject.is_file() and body.is_file()):
        return None
    return (subject.read_text(encoding="utf-8").strip(), body.read_text(encoding="utf-8").strip())


def builtin_languages() -> tuple[str, ...]:
    """Languages with built-in templates, English first."""
    others = sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and len(p.name) == 2)
    return (DEFAULT_LANGUAGE, *others)


def source_for(session: Session, name: str, language: str = DEFAULT_LANGUAGE) -> Source:
    """The template for `language` (the secretariat's before the built-in one), or English."""
    for wanted in dict.fromkeys((language, DEFAULT_LANGUAGE)):
        row = session.get(NotificationTemplate, (name, wanted))
        if row is not None:
            return Source(row.subject, row.body, row, wanted)
        found = builtin(name, wanted)
        if found is not None:
            return Source(*found, None, wanted)
    raise LetterError(f"there is no {name} template")


def written_date(day: dt.date, language: str) -> str:
    return format_date(day, format="long", locale=date_locale(language))


def _country(country_code: str, language: str) -> str:
    local = Locale.parse(date_locale(language)).territories.get(iso_country(country_code))
    return str(local) if local else country_name(country_code)


def case_facts(app: Application, decision: Decision | None,
               language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    erased = app.contact_erased_at is not None
    facts: dict[str, Any] = {
        "ref": app.ref,
        "organisation": app.applicant_organisation,
        "contact_name": (None if erased else app.contact_name) or "Sir or Madam",
        "region": app.region.name,
        "region_code": app.region_code,
        "country": _country(app.country_code, language),
        "topic": TOPIC_LABELS.get(app.topic, app.topic),
        "cutoff_date": written_date(app.cutoff.date, language),
        "submitted_on": written_date(app.submitted_at.date(), language),
    }
    if decision is not None:
        facts.update(outcome=decision.outcome, reason=decision.reason,
                     decided_on=written_date(decision.decided_at.date(), language))
    return facts


def sample_facts(name: str, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    facts = {"ref": "TA-2026-0007", "organisation": "Regional Development Agency",
             "contact_name": "Ms Example", "region": "Sample region", "region_code": "EL51",
             "country": _country("EL", language), "topic": TOPIC_LABELS["edp"],
             "cutoff_date": written_date(dt.date(2026, 3, 31), language),
             "submitted_on": written_date(dt.date(2026, 2, 16), language)}
    if name != ACKNOWLEDGEMENT:
        facts.update(outcome=name, reason="the reason the secretariat gave",
                     decided_on=written_date(dt.date(2026, 4, 15), language))
    return facts


def render(subject: str, body: str, facts: dict[str, Any]) -> tuple[str, str]:
    from jinja2 import TemplateError

    environment = _environment()
    try:
        subject_text = environment.from_string(subject).render(facts).strip()
        body_text = environment.from_string(body).render(facts).strip()
    except TemplateError as exc:
        raise LetterError(_explain(exc, tuple(facts))) from None
    if "\n" in subject_text or not subject_text:
        raise LetterError("the subject must be one line of text")
    if len(subject_text) > 300:
        raise LetterError("the subject is longer than 300 characters")
    if not body_text:
        raise LetterError("the body is empty")
    return subject_text, body_text


def compose(session: Session, app: Application, decision: Decision | None) -> Composed:
    """The case's letter (its decision, or the acknowledgement) in the applicant's language."""
    source = source_for(session, decision.outcome if decision else ACKNOWLEDGEMENT,
                        app.language or DEFAULT_LANGUAGE)
    subject, body = render(source.subject, source.body,
                           case_facts(app, decision, source.language))
    return Composed(subject, body, source.language)


def render_letter(session: Session, app: Application, decision: Decision) -> tuple[str, str]:
    composed = compose(session, app, decision)
    return composed.subject, composed.body


def _explain(exc: TemplateError, known: tuple[str, ...]) -> str:
    line = getattr(exc, "lineno", None)
    where = f" (line {line})" if line else ""
    message = str(exc.message if getattr(exc, "message", None) else exc)
    if "is undefined" in message:
        message += f"; the facts this letter knows are {', '.join(known)}"
    return f"the template does not render{where}: {message}"
