"""Matching experts to an approved application: `match REF`, ranked with the reasons shown.

An expert earns points for the application's topic, for speaking an official language of
the region's country, for days left this quarter and for past work with the region, and
loses some for each assignment in hand. Paused experts, experts from the region itself and
experts with a declared conflict (the region or the applicant organisation) are not ranked;
the card lists them with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Outcome, Table
from handlers.experts.queries import commitments, days_left
from storage.languages import official_languages
from storage.models import Application, Assignment, Expert
from storage.regions import country_name
from storage.text import fold

commands = Commands()

MATCHABLE_STATUSES = ("approved", "expert_matching")
# Points per criterion: kept as data so the secretariat's priorities read in one place.
WEIGHTS = {"topic": 3.0, "language": 2.0, "past_work": 1.0, "per_10_days_left": 1.0,
           "per_active_assignment": -0.5}
DAYS_COUNTED = 20  # more free days than this earn no more points


@dataclass
class Candidate:
    expert: Expert
    score: float
    days_left: int
    load: int
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Exclusion:
    expert: Expert
    why: str


def exclusion(expert: Expert, app: Application) -> str | None:
    """Why this expert may not serve this application, or None."""
    if expert.status != "active":
        return f"{expert.status}"
    if expert.region_code and expert.region_code == app.region_code:
        return f"from the region itself ({app.region_code})"
    if app.region_code in expert.conflict_regions:
        return f"declared a conflict with {app.region_code}"
    organisation = f" {fold(app.applicant_organisation)} "
    for declared in expert.conflict_organisations:
        folded = fold(str(declared))
        if folded and f" {folded} " in organisation:
            return f"declared a conflict with {declared}"
    return None


def rank_experts(session: Session, app: Application) -> tuple[list[Candidate], list[Exclusion]]:
    experts = list(session.scalars(select(Expert).order_by(Expert.name, Expert.id)))
    load = commitments(session)
    worked_here = set(session.scalars(
        select(Assignment.expert_id)
        .join(Application, Application.id == Assignment.application_id)
        .where(Application.region_code == app.region_code, Application.id != app.id)
    ))
    spoken = official_languages(app.country_code)
    country = country_name(app.country_code)
    ranked: list[Candidate] = []
    excluded: list[Exclusion] = []
    for expert in experts:
        why = exclusion(expert, app)
        if why:
            excluded.append(Exclusion(expert, why))
            continue
        commitment = load.get(expert.id)
        candidate = Candidate(expert, 0.0, days_left(expert, commitment),
                              commitment.assignments if commitment else 0)
        _score(candidate, app, spoken, country, expert.id in worked_here)
        ranked.append(candidate)
    ranked.sort(key=lambda c: (-c.score, -c.days_left, c.load, c.expert.name.lower()))
    return ranked, excluded


def _score(c: Candidate, app: Application, spoken: frozenset[str], country: str,
           worked_here: bool) -> None:
    expert = c.expert
    if app.topic in expert.topics:
        c.score += WEIGHTS["topic"]
        c.reasons.append(f"topic {app.topic}")
    else:
        c.reasons.append(f"other topics ({', '.join(expert.topics) or 'none'})")
    shared = sorted(spoken.intersection(expert.languages))
    if shared:
        c.score += WEIGHTS["language"]
        c.reasons.append(f"speaks {', '.join(shared)} (official in {country})")
    else:
        c.reasons.append(f"no official language of {country} ({', '.join(sorted(spoken))})")
    free = max(0, min(c.days_left, DAYS_COUNTED))
    c.score += WEIGHTS["per_10_days_left"] * free / 10
    c.reasons.append(f"{c.days_left} of {expert.availability_days} days left this quarter"
                     if c.days_left > 0 else "no days left this quarter")
    c.score += WEIGHTS["per_active_assignment"] * c.load
    c.reasons.append(f"{c.load} active assignment{'s' if c.load != 1 else ''}")
    if worked_here or app.region_code in expert.regions_worked:
        c.score += WEIGHTS["past_work"]
        c.reasons.append(f"worked with {app.region_code} before")
    c.score = round(c.score, 2)


@commands.command("match", usage="match REF", summary="rank experts for an approved application",
                  roles=SECRETARIAT)
def match(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("Which application? Give its reference.")
    app = get_application(ctx.session, args.positional[0])
    if app.status not in MATCHABLE_STATUSES:
        raise CommandError(f"{app.ref} is `{app.status}`: experts are matched to approved "
                           "applications.", show_usage=False)
    ranked, excluded = rank_experts(ctx.session, app)
    rows = tuple(
        (str(i), c.expert.name, f"{c.score:g}", "; ".join(c.reasons))
        for i, c in enumerate(ranked, start=1)
    )
    text = [] if ranked else ["No active expert can take this application."]
    if excluded:
        text.append("Not considered: " + "; ".join(f"{x.expert.name} ({x.why})" for x in excluded))
    buttons = tuple(
        Button(f"Assign {c.expert.name}", f'expert {app.ref} "{c.expert.email or c.expert.name}"',
               "primary" if i == 0 else "default")
        for i, c in enumerate(ranked[:3])
    )
    return Outcome(Card(
        title=f"Experts for {app.ref} ({app.topic}, {app.region_code})",
        table=Table(("#", "Expert", "Score", "Why"), rows) if rows else None,
        text=tuple(text),
        buttons=buttons,
        context=(f"`expert {app.ref} NAME` assigns one.",),
    ))
