"""Letters and the outbox: a delivered e-mail informs the applicant; a refused one is listed.

`record_letter_sent` runs inside the transaction that marks the e-mail's outbox row sent, so
the letter, the applicant's notification and the audit row change with it or not at all.
A letter's e-mail state is its outbox row's: queued, being sent, sent, failed or missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ApplicantNotification, Application, AuditEntry, Letter, OutboxMessage

# the outbox kind and platform of an applicant's e-mail
LETTER_KIND = "letter"
EMAIL_PLATFORM = "email"
UNDELIVERED = ("failed", "missed")


def record_letter_sent(session: Session, dedupe_key: str, message_id: str,
                       now: datetime) -> None:
    """The e-mail carried by outbox row `dedupe_key` was accepted by the mail server."""
    found = session.execute(
        select(Letter, Application.ref).join(Application, Application.id == Letter.application_id)
        .where(Letter.outbox_key == dedupe_key)
    ).first()
    if found is None:
        return
    letter, ref = found
    letter.sent_at = now
    session.add(AuditEntry(at=now, actor_id=None, entity="letter", entity_id=f"{ref}:{letter.kind}",
                           action="emailed", before=None,
                           after={"message_id": message_id, "language": letter.language,
                                  "sends": letter.sends},
                           source=EMAIL_PLATFORM))
    if letter.kind != "decision":
        return
    told = session.scalar(select(ApplicantNotification).where(
        ApplicantNotification.application_id == letter.application_id))
    if told is None or told.outcome != letter.outcome or told.sent_at is not None:
        return  # another letter replaced it, or it was already recorded as sent
    told.sent_at, told.sent_how, told.sent_by = now, f"e-mail {message_id}"[:200], None
    session.add(AuditEntry(at=now, actor_id=None, entity="notification", entity_id=ref,
                           action="sent", before=None,
                           after={"how": "e-mail", "message_id": message_id,
                                  "outcome": letter.outcome},
                           source=EMAIL_PLATFORM))


@dataclass(frozen=True)
class LetterMail:
    """Where one letter's latest e-mail stands."""

    status: str | None  # None: never queued (a draft)
    error: str | None
    attempts: int


def mail_of(session: Session, letter: Letter) -> LetterMail:
    if letter.outbox_key is None:
        return LetterMail(None, None, 0)
    row = session.execute(
        select(OutboxMessage.status, OutboxMessage.error, OutboxMessage.attempts)
        .where(OutboxMessage.dedupe_key == letter.outbox_key)
    ).first()
    if row is None:
        return LetterMail(None, None, 0)
    return LetterMail(row.status, row.error, row.attempts)


@dataclass(frozen=True)
class Undelivered:
    """A letter whose e-mail was refused or given up on."""

    ref: str
    organisation: str
    kind: str
    outcome: str | None
    status: str
    error: str | None
    due_at: datetime


def undelivered_letters(session: Session, *, limit: int = 200) -> list[Undelivered]:
    """Letters whose latest e-mail failed or was missed, oldest first."""
    rows = session.execute(
        select(Application.ref, Application.applicant_organisation, Letter.kind, Letter.outcome,
               OutboxMessage.status, OutboxMessage.error, OutboxMessage.due_at)
        .join(Letter, Letter.application_id == Application.id)
        .join(OutboxMessage, OutboxMessage.dedupe_key == Letter.outbox_key)
        .where(OutboxMessage.status.in_(UNDELIVERED))
        .order_by(OutboxMessage.due_at, Application.ref, Letter.kind)
        .limit(limit)
    ).all()
    return [Undelivered(*row) for row in rows]
