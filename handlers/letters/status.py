"""Where each letter stands, in words for `pending`, `letter REF` and the weekly digest.

A letter is a draft until it is queued; then its e-mail is queued, sent, or undelivered
(refused by the mail server, or given up on after every retry). Undelivered letters are
listed until someone sends them again, so no applicant is forgotten.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.letters.drafting import why_not_emailed
from storage.letters import UNDELIVERED, Undelivered, mail_of, undelivered_letters
from storage.models import Application, Decision, Letter

_ERROR_SHOWN = 120
NO_EMAIL_NOTE = ("E-mail is not set up (S3DESK_SMTP_HOST): letters stay drafts; send each "
                 "yourself and record it with `notified REF`.")


def letter_state(session: Session, letter: Letter, app: Application,
                 config: ProgrammeConfig) -> str:
    mail = mail_of(session, letter)
    if mail.status is None:
        why = why_not_emailed(app, config)
        if not config.letters_by_email:
            return "letter drafted"  # the card says once that e-mail is not set up
        return f"letter drafted ({why})" if why else \
            f"letter drafted: `letter {app.ref} send` e-mails it"
    if mail.status == "sent" and letter.sent_at is not None:
        return f"e-mailed on {letter.sent_at.astimezone(config.timezone):%Y-%m-%d %H:%M}"
    if mail.status in UNDELIVERED:
        return f"e-mail not delivered: {_short(mail.error)}"
    if mail.error:
        return f"e-mail queued, trying again ({_short(mail.error)})"
    return "e-mail queued"


def decision_letter_states(session: Session, refs: list[str],
                           config: ProgrammeConfig) -> dict[str, str]:
    """For announced cases still waiting: what became of the letter of their decision."""
    if not refs:
        return {}
    rows = session.execute(
        select(Application, Letter)
        .join(Decision, Decision.application_id == Application.id)
        .join(Letter, (Letter.application_id == Application.id)
              & (Letter.kind == "decision") & (Letter.revision == Decision.revision))
        .where(Application.ref.in_(refs))
    ).all()
    return {app.ref: letter_state(session, letter, app, config) for app, letter in rows}


def undelivered_acknowledgements(session: Session) -> list[Undelivered]:
    """Acknowledgements the mail server refused (decision letters are listed as waiting)."""
    return [u for u in undelivered_letters(session) if u.kind == "acknowledgement"]


def undelivered_summary(session: Session, limit: int) -> tuple[int, list[str]]:
    """How many letters are undelivered, and a line for each of the first `limit`."""
    found = undelivered_letters(session, limit=max(limit, 200))
    lines = [f"{u.ref} ({u.outcome or u.kind}): {_short(u.error)}" for u in found[:limit]]
    return len(found), lines


def _short(error: str | None) -> str:
    text = " ".join((error or "no reason given").split())
    return text if len(text) <= _ERROR_SHOWN else text[: _ERROR_SHOWN - 1] + "…"
