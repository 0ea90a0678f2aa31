"""The first part of every case card: what the application says, where it stands.

Registered as a case section, so thread posts and `show` share it. Contact data is shown
only to the secretariat (never in a channel post, where `viewer` is None).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.cases.card import CaseView, case_section
from handlers.cases.intake_fields import CATEGORY_LABELS, CHALLENGE_LABELS, TOPIC_LABELS
from handlers.core.types import Actor, Fact
from storage.models import Application, Role
from storage.regions import country_name

NEEDS_SHOWN = 1500


def _category(app: Application) -> str:
    declared = CATEGORY_LABELS.get(app.cohesion_declared or "", "none")
    if app.cohesion_confirmed:
        return f"{CATEGORY_LABELS[app.cohesion_confirmed]} (confirmed; declared: {declared})"
    return f"{declared} (declared, not confirmed yet)"


def _contact(app: Application) -> str:
    if app.contact_erased_at is not None:
        return f"erased on {app.contact_erased_at:%Y-%m-%d}"
    parts = [p for p in (app.contact_name, f"<{app.contact_email}>" if app.contact_email
                         else None) if p]
    return " ".join(parts) or "none given"


@case_section(0)
def base_facts(session: Session, app: Application, viewer: Actor | None, view: CaseView) -> None:
    cutoff = app.cutoff
    status = app.status if not app.status_reason else f"{app.status} ({app.status_reason})"
    view.facts.extend((
        Fact("Organisation", app.applicant_organisation),
        Fact("Region", f"{app.region_code} {app.region.name}, "
                       f"{country_name(app.country_code)} ({app.country_code})"),
        Fact("Topic", f"{TOPIC_LABELS.get(app.topic, app.topic)} ({app.topic})"),
        Fact("Challenges", ", ".join(CHALLENGE_LABELS.get(c, c) for c in app.challenges)
             or "none"),
        Fact("Cohesion category", _category(app)),
        Fact("Cut-off", cutoff.date.isoformat() + (" (closed)" if cutoff.closed_at else "")),
        Fact("Status", status),
    ))
    if viewer is not None and viewer.has(Role.SECRETARIAT):
        view.facts.append(Fact("Contact", _contact(app)))
    needs = app.needs.strip()
    if needs:
        shown = needs if len(needs) <= NEEDS_SHOWN else needs[:NEEDS_SHOWN] + "…"
        view.text.append(f"Need: {shown}")
