"""The case card: one builder every command and thread post uses, extended by features.

Feature modules (evaluation, delivery) add their own part of the card with
`@case_section(order)`; each part decides for itself what the viewer may see (blind scoring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Actor, Button, Fact
from storage.models import Application


@dataclass
class CaseView:
    """What a case card shows; sections append to it."""

    # the running programme's rules (thresholds, time zone) the sections judge by
    config: ProgrammeConfig
    facts: list[Fact] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)


# (session, application, viewer, view) -> None; viewer None means a channel post seen by many.
Section = Callable[[Session, Application, Actor | None, CaseView], None]
_sections: list[tuple[int, Section]] = []


def case_section(order: int) -> Callable[[Section], Section]:
    def register(section: Section) -> Section:
        _sections.append((order, section))
        _sections.sort(key=lambda item: item[0])
        return section

    return register


def fill_case_view(
    session: Session, app: Application, viewer: Actor | None, view: CaseView
) -> CaseView:
    for _, section in _sections:
        section(session, app, viewer, view)
    return view
