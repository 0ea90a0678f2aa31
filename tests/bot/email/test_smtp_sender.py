"""Letters by e-mail against a real local SMTP server: delivery, a 4xx answer tried again,
a 5xx refusal reported until the letter is sent again, and a server that is down."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.email.sender import SmtpSender
from bot.messenger import Messenger
from handlers.core.config import ProgrammeConfig
from handlers.reminders.digest import digest_card
from storage.db import Database
from storage.models import Letter, OutboxMessage
from tests.conftest import Chat
from tests.evaluation_helpers import audits
from tests.fakes.platform import FrozenClock
from tests.fakes.smtp import MailServer

ADDRESS = "maria@example.eu"
NEW = ('new region:EL51 topic:edp org:"Agency of the East" contact:"Maria Papadopoulou" '
       f"email:{ADDRESS}")


@pytest.fixture
def clock(now: datetime) -> FrozenClock:
    return FrozenClock(now)


@pytest.fixture
def messenger(db: Database, mail: MailServer, clock: FrozenClock) -> Messenger:
    messenger = Messenger(db, clock=clock, pace_seconds=0)
    messenger.register(SmtpSender(mail.config(), clock))
    return messenger


def deliver(messenger: Messenger) -> int:
    return asyncio.run(messenger.deliver_due())


def register(chat: dict[str, Chat], extra: str = "") -> str:
    outcome = chat["sec"](f"{NEW} {extra}".strip())
    assert outcome.reply.tone == "success", outcome.reply
    assert [n.kind for n in outcome.notices] == ["letter"]
    return outcome.reply.title.removeprefix("Registered ")


def email_row(db: Database) -> OutboxMessage:
    with db.read() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.platform == "email")
                             .order_by(OutboxMessage.id.desc()).limit(1))
        assert row is not None
        return row


def state(chat: dict[str, Chat], ref: str) -> str:
    facts = {f.label: f.value for f in chat["sec"](f"letter {ref} ack").reply.facts}
    return facts["State"]


def test_an_acknowledgement_reaches_the_applicant_in_their_language(
        chat: dict[str, Chat], db: Database, mail: MailServer, messenger: Messenger) -> None:
    ref = register(chat, "language:fr")
    assert state(chat, ref) == "e-mail queued"
    assert deliver(messenger) == 1
    [message] = mail.received()
    with db.read() as session:
        letter = session.scalar(select(Letter))
        assert letter is not None and letter.language == "fr"
        assert str(message["Message-ID"]) == letter.message_id
    assert letter.message_id.endswith("@s3desk.example>")
    assert str(message["To"]) == f"Maria Papadopoulou <{ADDRESS}>"
    assert str(message["Subject"]) == ("Targeted Support : nous avons bien reçu votre "
                                       f"manifestation d'intérêt {ref}")
    assert str(message["Content-Language"]) == "fr"
    body = message.get_content().replace("\r\n", "\n")
    # babel writes the French date; the cut-off is the programme's next one
    assert "le 26 novembre 2026" in body and f"référence {ref}" in body
    assert body.startswith("Madame, Monsieur,\n\n")
    assert state(chat, ref) == "e-mailed on 2026-11-26 10:00"
    assert [a.after["message_id"] for a in audits(db, "letter", "emailed")] == [
        letter.message_id]
    assert deliver(messenger) == 0 and len(mail.received()) == 1


def test_a_4xx_answer_is_tried_again_later(chat: dict[str, Chat], db: Database,
                                          mail: MailServer, messenger: Messenger,
                                          clock: FrozenClock) -> None:
    mail.defer[ADDRESS] = 1
    ref = register(chat)
    assert deliver(messenger) == 1
    row = email_row(db)
    assert row.status == "pending" and "451" in (row.error or "")
    assert state(chat, ref).startswith("e-mail queued, trying again (the mail server asked "
                                       "to try later: 451")
    assert mail.received() == []
    clock.advance(seconds=31)
    assert deliver(messenger) == 1
    assert len(mail.to(ADDRESS)) == 1
    assert email_row(db).status == "sent"


def test_a_5xx_refusal_is_reported_until_the_letter_is_sent_again(
        chat: dict[str, Chat], db: Database, mail: MailServer, messenger: Messenger,
        config: ProgrammeConfig, now: datetime) -> None:
    mail.refuse[ADDRESS] = "550 5.1.1 No such mailbox here"
    ref = register(chat)
    assert deliver(messenger) == 1
    assert email_row(db).status == "failed"
    pending = chat["obs"]("pending").reply
    assert pending.table is not None
    [row] = pending.table.rows
    assert (row[0], row[2]) == (ref, "acknowledgement")
    assert row[5] == ("e-mail not delivered: the mail server refused it: 550 5.1.1 No such "
                      "mailbox here")
    with db.read() as session:
        digest = digest_card(session, config, "2026-W49", now + timedelta(days=4))
    assert {f.label: f.value for f in digest.facts}["letters not delivered by e-mail"] == "1"
    assert any(f"{ref} (acknowledgement): the mail server refused it: 550" in line
               for line in digest.text)
    assert chat["obs"](f"letter {ref} send").reply.tone == "error"
    assert chat["sec"](f"set {ref} email right@example.eu").reply.tone == "success"
    resent = chat["sec"](f"letter {ref} send")
    assert resent.reply.tone == "success" and len(resent.notices) == 1
    assert chat["sec"](f"letter {ref} send").reply.tone == "error"  # already waiting
    assert deliver(messenger) == 1
    assert len(mail.to("right@example.eu")) == 1 and mail.to(ADDRESS) == []
    assert "has been told" in chat["sec"]("pending").reply.title
    assert [a.after["sends"] for a in audits(db, "letter", "resend")] == [2]


def test_a_mail_server_down_during_the_run_gets_the_letter_once_it_is_back(
        chat: dict[str, Chat], db: Database, mail: MailServer, messenger: Messenger,
        clock: FrozenClock) -> None:
    mail.stop()
    ref = register(chat)
    assert deliver(messenger) == 1
    row = email_row(db)
    assert row.status == "pending" and "could not be reached" in (row.error or "")
    mail.start()
    clock.advance(seconds=31)
    assert deliver(messenger) == 1
    assert len(mail.to(ADDRESS)) == 1
    assert state(chat, ref).startswith("e-mailed on")
