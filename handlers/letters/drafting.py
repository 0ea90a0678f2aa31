"""Writing a case's letter and, where e-mail is set up, queueing it to the applicant.

A letter is stored once per kind and decision revision, with its text. Queueing it gives it
a Message-ID and an outbox row on the `email` platform, keyed by the transmission: a retry
after a lease ran out is the same row and carries the same Message-ID (so the copy can be
recognised), while a resend on request is a new transmission with a new Message-ID.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.fanout import applicant_target, row_key
from handlers.core.types import Audience, Notice
from handlers.decisions.letters import Composed, LetterError, compose
from handlers.letters.envelope import Envelope, envelope_card
from storage.languages import language_name
from storage.letters import EMAIL_PLATFORM, LETTER_KIND
from storage.models import Application, Decision, Letter


def find_letter(session: Session, app: Application, kind: str,
                revision: int | None = None) -> Letter | None:
    """The case's letter of `kind`: of that decision revision, or the latest."""
    query = select(Letter).where(Letter.application_id == app.id, Letter.kind == kind)
    if revision is not None:
        query = query.where(Letter.revision == revision)
    return session.scalar(query.order_by(Letter.revision.desc()).limit(1))


def draft_letter(session: Session, app: Application, decision: Decision | None,
                 now: datetime, composed: Composed | None = None) -> Letter:
    """The letter of this decision (or the acknowledgement), written once and then kept."""
    kind = "decision" if decision is not None else "acknowledgement"
    revision = decision.revision if decision is not None else 1
    letter = find_letter(session, app, kind, revision)
    if letter is not None:
        return letter
    if composed is None:
        try:
            composed = compose(session, app, decision)
        except LetterError as exc:
            name = decision.outcome if decision is not None else kind
            raise CommandError(f"the {name} letter template is broken ({exc}); fix it with "
                               f"`template set {name} ...`", show_usage=False) from None
    letter = Letter(application_id=app.id, kind=kind,
                    outcome=decision.outcome if decision is not None else None,
                    revision=revision, language=composed.language, subject=composed.subject,
                    body=composed.body, drafted_at=now, sends=0)
    session.add(letter)
    session.flush()
    return letter


def why_not_emailed(app: Application, config: ProgrammeConfig) -> str | None:
    """What keeps the case's letters from going out by e-mail, if anything."""
    if not config.letters_by_email:
        return "e-mail is not set up"
    if app.contact_erased_at is not None:
        return "the contact data was erased"
    if not app.contact_email:
        return "the case has no contact e-mail"
    return None


def queue_email(ctx: Context, app: Application, letter: Letter) -> Notice:
    """A new e-mail of the letter to the case's contact; the caller checked `why_not_emailed`."""
    before = {"sends": letter.sends, "message_id": letter.message_id}
    letter.sends += 1
    token = secrets.token_hex(6)
    letter.message_id = (f"<{app.ref}.{letter.kind}.{letter.revision}.{letter.sends}.{token}"
                         f"@{ctx.config.mail_domain}>")
    key = f"letter:{app.ref}:{letter.kind}:{letter.revision}:{letter.sends}"
    letter.outbox_key = row_key(key, EMAIL_PLATFORM, applicant_target(app.ref))
    envelope = Envelope(address=app.contact_email or "", name=app.contact_name,
                        subject=letter.subject, body=letter.body, language=letter.language,
                        message_id=letter.message_id)
    ctx.audit("letter", f"{app.ref}:{letter.kind}", "queue" if letter.sends == 1 else "resend",
              before, {"sends": letter.sends, "message_id": letter.message_id,
                       "language": letter.language})
    return Notice(Audience("applicant", ref=app.ref), envelope_card(envelope), key=key,
                  kind=LETTER_KIND)


def decision_letter_notice(ctx: Context, app: Application, decision: Decision,
                           composed: Composed, draft: Notice) -> Notice:
    """At the announcement: the letter e-mailed when it can be, else the secretariat's draft."""
    letter = draft_letter(ctx.session, app, decision, ctx.now, composed)
    if why_not_emailed(app, ctx.config) is not None:
        return draft
    return queue_email(ctx, app, letter)


def acknowledge(ctx: Context, app: Application) -> tuple[Notice | None, str]:
    """At intake: the acknowledgement of receipt, and a line saying what became of it."""
    letter = draft_letter(ctx.session, app, None, ctx.now)
    why = why_not_emailed(app, ctx.config)
    if why is not None:
        return None, (f"Acknowledgement of receipt drafted, not e-mailed ({why}): "
                      f"`letter {app.ref} ack`.")
    notice = queue_email(ctx, app, letter)
    return notice, (f"Acknowledgement of receipt being e-mailed to the applicant "
                    f"({language_name(letter.language)}).")
