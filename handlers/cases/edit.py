"""`set REF FIELD VALUE` and `note REF TEXT`: the secretariat corrects a case or writes a
note. Each is audited. (`status` is in `status_moves`.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from handlers.cases.intake import search_text_for
from handlers.cases.intake_fields import (
    NONE_WORDS,
    FieldProblem,
    check_category,
    check_challenges,
    check_contact_name,
    check_email,
    check_language,
    check_needs,
    check_organisation,
    check_region,
    check_topic,
)
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Fact, Outcome
from storage.models import Application, Note

commands = Commands()

NOTE_LIMIT = 5000


@dataclass(frozen=True)
class Editable:
    attribute: str
    check: Callable[[Session, Any], Any]
    clearable: bool = False
    # contact data: never echoed in a reply or the case history; the audit row keeps the
    # values, so an erasure finds every name and address the contact ever had
    personal: bool = False


EDITABLE: dict[str, Editable] = {
    "org": Editable("applicant_organisation", lambda s, v: check_organisation(v)),
    "contact": Editable("contact_name", lambda s, v: check_contact_name(v), True, True),
    "email": Editable("contact_email", lambda s, v: check_email(v), True, True),
    "topic": Editable("topic", lambda s, v: check_topic(v)),
    "challenges": Editable("challenges", lambda s, v: list(check_challenges(v)), True),
    "needs": Editable("needs", lambda s, v: check_needs(v), True),
    "region": Editable("region_code", lambda s, v: check_region(s, v).code),
    "category": Editable("cohesion_confirmed", lambda s, v: check_category(v)),
    "language": Editable("language", lambda s, v: check_language(v)),
}
PERSONAL_FIELDS = frozenset(key for key, edit in EDITABLE.items() if edit.personal)
ALIASES = {"organisation": "org", "contact_name": "contact", "contact_email": "email",
           "cohesion": "category", "lang": "language"}
SET_USAGE = f"set REF FIELD VALUE (FIELD: {', '.join(EDITABLE)})"


def _field_and_value(args: Args) -> tuple[str, str]:
    if len(args.positional) >= 2:
        return args.positional[1].lower(), args.rest(2).strip()
    if len(args.positional) == 1 and len(args.options) == 1:
        # `set TA-2026-0007 email:a@b.eu` reads the same as `set TA-2026-0007 email a@b.eu`
        return next(iter(args.options.items()))
    raise CommandError("name the case, the field and its new value, e.g. "
                       "`set TA-2026-0007 topic foresight`")


@commands.command("set", usage=SET_USAGE, roles=SECRETARIAT, writes=True,
                  summary="correct one field of a case")
def set_field(ctx: Context, args: Args) -> Outcome:
    field, raw = _field_and_value(args)
    field = ALIASES.get(field, field)
    edit = EDITABLE.get(field)
    if edit is None:
        raise CommandError(f"`{field}` cannot be set; fields: {', '.join(EDITABLE)}")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    if not raw:
        raise CommandError(f"give the new {field}" + (" (or `none` to clear it)"
                                                      if edit.clearable else ""))
    value: Any
    try:
        if edit.clearable and raw.lower() in NONE_WORDS:
            value = [] if field == "challenges" else "" if field == "needs" else None
        else:
            value = edit.check(ctx.session, raw)
    except FieldProblem as problem:
        raise CommandError(f"{field}: {problem}") from None
    before = getattr(app, edit.attribute)
    if before == value:
        return Outcome(Card(title=f"{app.ref} unchanged", text=(f"The {field} is already that.",)))
    setattr(app, edit.attribute, value)
    if field == "region":
        _move_region(ctx, app, value)
    if field == "category":
        # the confirmed value becomes the default offered for the region's next application
        app.region.cohesion_category = value
    if field in ("org", "needs", "region"):
        app.search_text = search_text_for(app.applicant_organisation, app.region.name,
                                          app.needs, app.ref)
    app.updated_at = ctx.now
    ctx.audit("application", app.ref, "set", {field: before}, {field: value})
    shown = "(contact data)" if edit.personal else _shown(value)
    return Outcome(Card(title=f"{app.ref}: {field} changed", facts=(Fact(field, shown),),
                        buttons=(Button("Show", f"show {app.ref}"),), tone="success"))


def _move_region(ctx: Context, app: Application, code: str) -> None:
    region = check_region(ctx.session, code)
    app.region = region
    app.country_code = region.country_code


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    text = "none" if value in (None, "") else str(value)
    return text if len(text) <= 300 else text[:299] + "…"


@commands.command("note", usage="note REF TEXT", roles=SECRETARIAT, writes=True,
                  summary="add a note to a case")
def add_note(ctx: Context, args: Args) -> Outcome:
    if not args.positional:
        raise CommandError("name the case and write the note, e.g. "
                           "`note TA-2026-0007 called the applicant`")
    app = get_application(ctx.session, args.positional[0])
    text = args.rest(1).strip()
    if not text:
        raise CommandError("write the note after the reference")
    if len(text) > NOTE_LIMIT:
        raise CommandError(f"a note holds at most {NOTE_LIMIT} characters ({len(text)} given)")
    note = Note(application_id=app.id, author_id=ctx.actor.person_id, text=text,
                created_at=ctx.now)
    ctx.session.add(note)
    ctx.session.flush()
    ctx.audit("application", app.ref, "note", None, {"note_id": note.id, "text": text[:300]})
    return Outcome(Card(title=f"Note added to {app.ref}", text=(text,),
                        buttons=(Button("Show", f"show {app.ref}"),), tone="success"))
