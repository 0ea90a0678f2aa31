"""`show REF`: the case card with its notes and recent history.

The secretariat and observers see every case; an evaluator only the cases assigned to them.
A fixed number of statements: the case (with region and cut-off), the assignment check for
an evaluator, each card section's own lookups, the notes and the history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

import handlers.cases.card_base  # noqa: F401  (registers the base section of the card)
from handlers.cases.card import CaseView, fill_case_view
from handlers.cases.edit import PERSONAL_FIELDS
from handlers.core.context import Context
from handlers.core.errors import CommandError, NotAllowed
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import KNOWN, Commands
from handlers.core.types import Button, Card, Fact, Outcome
from storage.db import core_rows
from storage.models import Application, EvaluatorAssignment, Role
from storage.queries_applications import case_notes_and_history
from storage.status import plain_moves

commands = Commands()

HISTORY_SHOWN = 10
NOTES_SHOWN = 5
DETAIL_SHOWN = 120


_ASSIGNED = select(EvaluatorAssignment.id).where(
    EvaluatorAssignment.application_id == bindparam("application_id"),
    EvaluatorAssignment.person_id == bindparam("person_id"),
    EvaluatorAssignment.active.is_(True),
).limit(1)


def check_can_see(ctx: Context, app: Application) -> None:
    if ctx.actor.has(Role.SECRETARIAT, Role.OBSERVER):
        return
    assigned = core_rows(ctx.session, _ASSIGNED,
                         {"application_id": app.id, "person_id": ctx.actor.person_id})
    if not assigned:
        raise NotAllowed(f"{app.ref} is not assigned to you.")


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value in (None, "") else str(value)


def describe(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """One history line for an audit entry, in words."""
    before, after = before or {}, after or {}
    if action == "created":
        text = "registered"
    elif action == "status":
        text = f"status {_value(before.get('status'))} → {_value(after.get('status'))}"
        reason = after.get("reason") or after.get("why")
        text += f" ({reason})" if reason else ""
    elif action == "note":
        text = "added a note"
    elif action == "set":
        text = "; ".join(f"{key} changed" if key in PERSONAL_FIELDS
                         else f"{key} {_value(before.get(key))} → {_value(value)}"
                         for key, value in after.items())
    else:
        details = ", ".join(f"{k} {_value(v)}" for k, v in after.items()
                            if not isinstance(v, dict))
        text = f"{action.replace('_', ' ')}" + (f": {details}" if details else "")
    return text if len(text) <= DETAIL_SHOWN else text[: DETAIL_SHOWN - 1] + "…"


def _buttons(app: Application, view: CaseView) -> list[Button]:
    """Moves the secretariat may make now with one click, unless a feature offers its own
    command: the plain `status` moves (never a withdrawal: that deserves typing), and
    screening in when the category to confirm is known."""
    offered = {button.command.split()[0] for button in view.buttons}
    buttons = [Button(f"Status: {state}", f"status {app.ref} {state}")
               for state in plain_moves(app.status) if state != "withdrawn"]
    known = app.cohesion_declared or app.region.cohesion_category
    if app.status in ("received", "screening") and known and "eligible" not in offered:
        buttons.append(Button("Eligible", f"eligible {app.ref}"))
    return buttons[:4]


@commands.command("show", usage="show REF", roles=KNOWN,
                  summary="a case card with its notes and history")
def show(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("name the case, e.g. `show TA-2026-0007`")
    app = get_application(ctx.session, args.positional[0])
    check_can_see(ctx, app)
    view = fill_case_view(ctx.session, app, ctx.actor, CaseView(ctx.config))
    submitted = app.submitted_at.astimezone(ctx.config.timezone)
    view.facts.insert(min(5, len(view.facts)), Fact("Submitted", f"{submitted:%Y-%m-%d %H:%M}"))
    text = list(view.text)
    notes, history = case_notes_and_history(ctx.session, app, NOTES_SHOWN, HISTORY_SHOWN)
    if notes:
        text.append("Notes:\n" + "\n".join(
            f"- {n.created_at.astimezone(ctx.config.timezone):%Y-%m-%d} "
            f"{n.author or 'someone'}: {n.text}" for n in notes))
    if history:
        text.append("History:\n" + "\n".join(
            f"- {h.at.astimezone(ctx.config.timezone):%Y-%m-%d %H:%M} {h.actor or 'S3 Desk'}: "
            f"{describe(h.action, h.before, h.after)}" for h in history))
    buttons = list(view.buttons)
    if ctx.actor.has(Role.SECRETARIAT):
        buttons.extend(_buttons(app, view))
    return Outcome(Card(
        title=f"{app.ref} · {app.applicant_organisation}",
        text=tuple(text), facts=tuple(view.facts), context=tuple(view.context),
        buttons=tuple(buttons),
    ))
