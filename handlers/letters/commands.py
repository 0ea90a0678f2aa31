"""`letter REF [ack]` shows a case's letter whole, before and after it is sent; `letter REF
[ack] send` e-mails it (again) on request, audited. Without `ack` it is the decision letter
when the case has one, else the acknowledgement of receipt."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import Commands
from handlers.core.types import Button, Card, Fact, Outcome
from handlers.decisions.letters import LetterError, compose
from handlers.letters.drafting import find_letter, queue_email, why_not_emailed
from handlers.letters.status import letter_state
from storage.languages import language_name
from storage.letters import mail_of
from storage.models import Application, Decision, Letter, Role

commands = Commands()

USAGE = "letter REF [ack] [send]"
KIND_WORDS = {"ack": "acknowledgement", "acknowledgement": "acknowledgement",
              "receipt": "acknowledgement", "decision": "decision"}


def paragraphs(body: str) -> tuple[str, ...]:
    """The body as paragraphs, so every platform shows its line breaks."""
    return tuple(p.strip("\n") for p in body.split("\n\n") if p.strip())


@commands.command("letter", usage=USAGE, writes=True,
                  summary="an applicant's letter, whole; `send` e-mails it (again)",
                  roles=frozenset({Role.SECRETARIAT, Role.OBSERVER}))
def letter(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=3)
    if not args.positional:
        raise CommandError("name the case, e.g. `letter TA-2026-0007`")
    words = [w.lower() for w in args.positional[1:]]
    unknown = [w for w in words if w != "send" and w not in KIND_WORDS]
    if unknown:
        raise CommandError(f"`{unknown[0]}` is not `ack` or `send`")
    send = "send" in words
    if send:
        ctx.require(Role.SECRETARIAT, what="send letters")
    app = get_application(ctx.session, args.positional[0], for_update=send)
    kinds = [KIND_WORDS[w] for w in words if w in KIND_WORDS]
    kind = kinds[0] if kinds else None
    found = (find_letter(ctx.session, app, kind) if kind else
             find_letter(ctx.session, app, "decision")
             or find_letter(ctx.session, app, "acknowledgement"))
    if found is None:
        return Outcome(_preview(ctx, app, kind))
    if send:
        return _send(ctx, app, found)
    return Outcome(_shown(ctx, app, found))


def _facts(ctx: Context, app: Application, language: str) -> list[Fact]:
    to = ("erased" if app.contact_erased_at is not None else
          f"{app.contact_name or '-'} <{app.contact_email or 'no e-mail address'}>")
    return [Fact("To", to), Fact("Language", language_name(language))]


def _shown(ctx: Context, app: Application, letter: Letter) -> Card:
    what = letter.outcome or "acknowledgement of receipt"
    facts = [*_facts(ctx, app, letter.language), Fact("Subject", letter.subject),
             Fact("State", letter_state(ctx.session, letter, app, ctx.config))]
    if letter.message_id:
        facts.append(Fact("Message-ID", letter.message_id))
    buttons: tuple[Button, ...] = ()
    ack = " ack" if letter.kind == "acknowledgement" else ""
    if ctx.actor.has(Role.SECRETARIAT) and why_not_emailed(app, ctx.config) is None:
        label = "E-mail it again" if letter.sends else "E-mail it"
        buttons = (Button(label, f"letter {app.ref}{ack} send"),)
    return Card(title=f"{app.ref}: letter ({what})", facts=tuple(facts),
                text=paragraphs(letter.body), buttons=buttons,
                context=(f"Written on {letter.drafted_at.astimezone(ctx.config.timezone):%Y-%m-%d}"
                         f"; sent {letter.sends} time{'s' * (letter.sends != 1)} by e-mail.",))


def _preview(ctx: Context, app: Application, kind: str | None) -> Card:
    """No letter yet: what the decision letter will say, when there is a decision."""
    decision = ctx.session.scalar(select(Decision).where(Decision.application_id == app.id))
    if decision is None or kind == "acknowledgement":
        raise CommandError(f"{app.ref} has no {kind or 'letter'} yet: the acknowledgement is "
                           "written at intake, the decision letter at the announcement",
                           show_usage=False)
    try:
        composed = compose(ctx.session, app, decision)
    except LetterError as exc:
        raise CommandError(f"the {decision.outcome} template is broken ({exc})",
                           show_usage=False) from None
    facts = [*_facts(ctx, app, composed.language), Fact("Subject", composed.subject),
             Fact("State", "not written yet: drafted when the decision is announced")]
    return Card(title=f"{app.ref}: letter ({decision.outcome}), a preview", facts=tuple(facts),
                text=paragraphs(composed.body), tone="warning",
                context=(f"`announce cutoff:{app.cutoff.date.isoformat()}` writes and sends it.",))


def _send(ctx: Context, app: Application, letter: Letter) -> Outcome:
    why = why_not_emailed(app, ctx.config)
    if why is not None:
        hint = (f"`set {app.ref} email ADDRESS` first" if "no contact" in why else
                f"send it yourself and record it with `notified {app.ref} HOW`")
        raise CommandError(f"{app.ref}'s letter cannot be e-mailed: {why}; {hint}",
                           show_usage=False)
    if mail_of(ctx.session, letter).status in ("pending", "sending"):
        raise CommandError(f"{app.ref}'s letter is already waiting to be e-mailed",
                           show_usage=False)
    notice = queue_email(ctx, app, letter)
    card = Card(title=f"{app.ref}: letter being e-mailed", tone="success",
                facts=(Fact("To", app.contact_email or ""), Fact("Subject", letter.subject),
                       Fact("Message-ID", letter.message_id or "")),
                context=(f"`letter {app.ref}` shows when it is sent.",))
    return Outcome(card, notices=(notice,))
