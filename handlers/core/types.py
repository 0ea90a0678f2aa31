"""Neutral request, card and outcome types that every platform adapter renders.

Card text is plain text: the renderers escape it for their platform. A card never
carries platform markup, so whatever a user typed shows as typed everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, is_dataclass
from datetime import datetime
from typing import Any, Literal

Tone = Literal["info", "success", "warning", "error"]
Visibility = Literal["private", "channel"]


@dataclass(frozen=True)
class Actor:
    """Who asks, as the platform verified them; `person_id` is None for strangers."""

    platform: str
    user_id: str
    display_name: str = ""
    person_id: int | None = None
    roles: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        return self.person_id is not None and bool(self.roles)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Where:
    """Where a command was typed: a channel, and the thread inside it if any."""

    platform: str
    channel_id: str | None = None
    thread_id: str | None = None
    channel_name: str | None = None
    # Teams: the ConversationReference of this conversation, for later proactive posts.
    conversation_ref: dict[str, Any] | None = None


@dataclass(frozen=True)
class Request:
    actor: Actor
    text: str
    now: datetime
    where: Where | None = None
    # the platform's id for this very request (trigger_id, event_id, activity id)
    source_id: str | None = None
    # values a form sent back, keyed by input key
    form: dict[str, Any] | None = None


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Button:
    label: str
    # the command text the button runs, e.g. `show TA-2026-0007`
    command: str
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    previous_command: str | None = None
    next_command: str | None = None
    # `pages` and `total` are lower bounds: counting stopped there to stay fast at scale
    at_least: bool = False

    @property
    def summary(self) -> str:
        """`Page 2 of 6 · 101 in all`, with `+` where the figures are lower bounds."""
        more = "+" if self.at_least else ""
        return f"Page {self.page} of {self.pages}{more} · {self.total}{more} in all"


@dataclass(frozen=True)
class FormInput:
    key: str
    label: str
    kind: Literal["text", "long_text", "number", "choice", "multi_choice", "region"] = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: int | None = None
    maximum: int | None = None
    value: str | None = None
    hint: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Form:
    """A form a platform shows as a modal (Slack) or an input card (Teams)."""

    # the command the submitted values are sent to, e.g. `new` or `score TA-2026-0007`
    submit_command: str
    title: str
    inputs: tuple[FormInput, ...]
    submit_label: str = "Submit"


@dataclass(frozen=True)
class Card:
    title: str
    text: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    table: Table | None = None
    context: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    pager: Pager | None = None
    form: Form | None = None
    tone: Tone = "info"
    # a PNG a platform that shows images may attach (e.g. a stats chart)
    image_png: bytes | None = field(default=None, repr=False)
    # the name the picture is drawn again by (`stats`), for a platform that shows pictures
    # by address; the edge that hands out the address sets `image_url`
    chart: str | None = None
    image_url: str | None = None

    def picture_stem(self) -> str:
        """A file name for the picture, without its extension: the title's letters and
        digits, lower case (`s3-desk-in-figures`)."""
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "picture"

    def to_dict(self) -> dict[str, Any]:
        """The card as plain data for the outbox, without the picture's bytes."""
        return {name: _plain(getattr(self, name))
                for name in self.__dataclass_fields__ if name != "image_png"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Card:
        return card_from_dict(data)


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` gives, without its deep copies: cards are made of frozen
    dataclasses, tuples and strings, and every notice turns one into data."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, tuple):
        return tuple([_plain(item) for item in value])
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


_SCALARS = frozenset({str, int, bool, float, type(None)})


@dataclass(frozen=True)
class Audience:
    """Who a notice is for: the places registered for a purpose, one person directly, or the
    applicant of case `ref` (by e-mail, to the address the notice's card gives)."""

    kind: Literal["places", "person", "secretariat", "applicant"]
    purpose: str | None = None  # reminders | evaluation | announcements, for kind=places
    person_id: int | None = None
    ref: str | None = None  # for kind=applicant
    # (platform, channel id): only this one of the places, e.g. a channel registering late
    channel: tuple[str, str] | None = None


@dataclass(frozen=True)
class Notice:
    """A message for other places than the asker; the messenger delivers it via the outbox."""

    audience: Audience
    card: Card
    # a stable key so a notice is scheduled at most once (the outbox dedupe key prefix)
    key: str
    kind: str = "notice"
    # the case thread this notice starts (`starts_thread`) or is posted in
    thread_key: str | None = None
    starts_thread: bool = False
    # edit the message an earlier notice with this key posted, instead of posting anew
    edit_of: str | None = None
    due_at: datetime | None = None
    useful_until: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    reply: Card
    notices: tuple[Notice, ...] = ()
    visibility: Visibility = "private"
    # the reply is a form to open (modal) rather than a message
    opens_form: bool = False


def card_from_dict(data: dict[str, Any]) -> Card:
    """Rebuild a Card stored as JSON (outbox rows, replayed replies)."""
    table = data.get("table")
    pager = data.get("pager")
    form = data.get("form")
    return Card(
        title=data["title"],
        text=tuple(data.get("text") or ()),
        facts=tuple(Fact(**f) for f in data.get("facts") or ()),
        table=Table(tuple(table["columns"]), tuple(tuple(r) for r in table["rows"]))
        if table else None,
        context=tuple(data.get("context") or ()),
        buttons=tuple(Button(**b) for b in data.get("buttons") or ()),
        pager=Pager(**pager) if pager else None,
        form=Form(
            submit_command=form["submit_command"],
            title=form["title"],
            inputs=tuple(
                FormInput(**{**i, "choices": tuple(tuple(c) for c in i.get("choices") or ())})
                for i in form["inputs"]
            ),
            submit_label=form.get("submit_label", "Submit"),
        ) if form else None,
        tone=data.get("tone", "info"),
        chart=data.get("chart"),
        image_url=data.get("image_url"),
    )
