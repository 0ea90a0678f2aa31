"""What the evaluation places see of a case: the thread root, its progress edits, and posts
in the thread. None of these carry contact data, and none carry score values while the
panel is still scoring (the thread is read by every evaluator of the programme)."""

from __future__ import annotations

from handlers.batch import long_date
from handlers.panel import Progress
from handlers.types import Audience, Button, Card, Fact, Notice, Tone
from storage.models import Application

EVALUATION = Audience("places", purpose="evaluation")
NEEDS_SHOWN = 500


def thread_key(ref: str) -> str:
    return f"case:{ref}"


def root_key(ref: str) -> str:
    return f"case:{ref}:post"


def case_buttons(ref: str) -> tuple[Button, ...]:
    return (Button("Score", f"score {ref}", "primary"),
            Button("Declare conflict", f"coi {ref}"),
            Button("Show", f"show {ref}"))


def summary_card(app: Application, progress: Progress) -> Card:
    region = app.region
    facts = [
        Fact("Organisation", app.applicant_organisation),
        Fact("Region", f"{region.name} ({app.region_code})"),
        Fact("Topic", app.topic),
        Fact("Challenges", ", ".join(app.challenges or []) or "none declared"),
        Fact("Category", (app.cohesion_confirmed or app.cohesion_declared or "not known")
             .replace("_", " ")),
        Fact("Cut-off", long_date(app.cutoff.date)),
        Fact("Status", app.status.replace("_", " ")),
        Fact("Progress", progress.text),
    ]
    needs = app.needs or ""
    if len(needs) > NEEDS_SHOWN:
        needs = needs[: NEEDS_SHOWN - 1].rstrip() + "…"
    return Card(title=f"{app.ref}: {app.applicant_organisation}", facts=tuple(facts),
                text=(needs,) if needs else (), buttons=case_buttons(app.ref))


def opening_notice(app: Application, progress: Progress) -> Notice:
    """The case's root post in the evaluation places; its thread is the case's thread."""
    return Notice(EVALUATION, summary_card(app, progress), key=root_key(app.ref),
                  kind="case", thread_key=thread_key(app.ref), starts_thread=True)


def progress_notice(app: Application, progress: Progress, sequence: int) -> Notice:
    """Edit the root post so it shows the current progress (never the values)."""
    return Notice(EVALUATION, summary_card(app, progress),
                  key=f"case:{app.ref}:progress:{sequence}", kind="case_progress",
                  edit_of=root_key(app.ref))


def thread_notice(app: Application, what: str, title: str, *, text: tuple[str, ...] = (),
                  tone: Tone = "info", buttons: tuple[Button, ...] = ()) -> Notice:
    """A post in the case's thread; `what` makes its key unique (e.g. `complete:7`)."""
    card = Card(title=f"{app.ref}: {title}", text=text, tone=tone, buttons=buttons)
    return Notice(EVALUATION, card, key=f"case:{app.ref}:{what}", kind="case_thread",
                  thread_key=thread_key(app.ref))
