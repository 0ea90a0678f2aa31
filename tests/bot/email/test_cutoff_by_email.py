"""A whole cut-off run ends with every applicant's letter received by the local SMTP server
exactly once, in the applicant's language, also when a delivery worker dies mid-send, and
with `pending` empty: every applicant informed, with the e-mail's Message-ID on record."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.email.sender import SmtpSender
from bot.messenger import Messenger
from storage.db import Database
from storage.models import ApplicantNotification, Letter
from tests.conftest import Chat
from tests.cutoff_walk_helpers import walk_to_announcement
from tests.evaluation_helpers import audits
from tests.fakes.platform import CRASH_EXIT_CODE, FrozenClock
from tests.fakes.s3desk_server import wait_until
from tests.fakes.smtp import MailServer
from tests.paths import ROOT

ONE_REPLICA = ("SQLite runs a single replica (SKIP LOCKED does not exist there; "
               "docs/operations.md): concurrent workers are a PostgreSQL deployment")
# the applicants take these languages in turn; Greek has no built-in letters: English
LANGUAGES = ("en", "fr", "de", "el")
SUBJECT_STARTS = {"en": "Targeted Support: ", "fr": "Targeted Support : ",
                  "de": "Targeted Support: Ihre", "el": "Targeted Support: "}


def spawn(url: str, mail: MailServer, worker: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.worker", "--db", url, "--smtp", str(mail.port),
         "--worker-id", worker, *extra],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def finish(worker: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = worker.communicate("go\n", timeout=120)
    return worker.returncode, out, err


def everyone_informed_once(chat: dict[str, Chat], db: Database, mail: MailServer,
                           refs: list[str]) -> None:
    with db.read() as session:
        letters = list(session.scalars(select(Letter).order_by(Letter.application_id)))
        told = list(session.scalars(select(ApplicantNotification)))
    assert len(letters) == len(refs) == 12
    assert mail.message_ids() == {letter.message_id: 1 for letter in letters}
    for number, letter in enumerate(letters, start=1):
        [message] = mail.to(f"contact{number}@example.eu")
        wanted = LANGUAGES[(number - 1) % len(LANGUAGES)]
        assert letter.language == ("en" if wanted == "el" else wanted)
        assert str(message["Subject"]).startswith(SUBJECT_STARTS[wanted])
    assert {t.sent_how for t in told} == {f"e-mail {letter.message_id}" for letter in letters}
    assert len(audits(db, "notification", "sent")) == 12
    assert "has been told" in chat["sec"]("pending").reply.title


def test_every_applicant_gets_one_letter_by_email(chat: dict[str, Chat], db: Database,
                                                  mail: MailServer, now: datetime) -> None:
    refs, announced = walk_to_announcement(chat, db, LANGUAGES)
    assert [n.kind for n in announced.notices].count("letter") == 12
    assert "letter_draft" not in [n.kind for n in announced.notices]
    pending = chat["sec"]("pending").reply
    assert pending.table is not None
    assert {row[5] for row in pending.table.rows} == {"e-mail queued"}
    clock = FrozenClock(now)
    messenger = Messenger(db, clock=clock, pace_seconds=0)
    messenger.register(SmtpSender(mail.config(), clock))
    while asyncio.run(messenger.deliver_due()):
        pass
    everyone_informed_once(chat, db, mail, refs)


def test_a_worker_killed_mid_send_leaves_no_letter_twice_and_none_lost(
        chat: dict[str, Chat], db: Database, database_url: str, mail: MailServer) -> None:
    if db.is_sqlite:
        pytest.skip(ONE_REPLICA)
    refs, _ = walk_to_announcement(chat, db, LANGUAGES)
    doomed = spawn(database_url, mail, "doomed", "--crash", "mid_send", "--lease", "60",
                   "--wait-for-go")
    steady = spawn(database_url, mail, "steady", "--wait-for-go")
    for worker in (doomed, steady):
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    results = [finish(doomed), finish(steady)]
    assert results[0][0] == CRASH_EXIT_CODE, results
    assert results[1][0] == 0, results
    # the doomed worker's rows wait for their lease; its half-sent letter never arrived
    assert len(mail.received()) < 12
    code, _, err = finish(spawn(database_url, mail, "heir", "--clock-offset", "61"))
    assert code == 0, err
    everyone_informed_once(chat, db, mail, refs)


def test_a_worker_killed_after_the_server_accepted_sends_the_same_message_id_again(
        chat: dict[str, Chat], db: Database, database_url: str, mail: MailServer) -> None:
    """The one thing SMTP cannot promise (docs/operations.md): the server took the letter,
    the worker died before recording it. The next worker sends it again, and the copy bears
    the same Message-ID, by which mail systems recognise it as the same letter."""
    refs, _ = walk_to_announcement(chat, db, LANGUAGES)
    code, _, _ = finish(spawn(database_url, mail, "doomed", "--crash", "after_post",
                              "--lease", "60"))
    assert code == CRASH_EXIT_CODE
    # its letters go out side by side: those the server took before the worker died, some
    # perhaps read by the server only after the worker was gone
    assert wait_until(mail.idle), "the mail server still holds a session of the dead worker"
    accepted = set(mail.message_ids())
    assert 1 <= len(accepted) <= 10
    code, _, err = finish(spawn(database_url, mail, "heir", "--clock-offset", "61"))
    assert code == 0, err
    copies = mail.message_ids()
    assert len(copies) == 12
    assert {mid: n for mid, n in copies.items() if n > 1} == dict.fromkeys(accepted, 2)
    assert "has been told" in chat["sec"]("pending").reply.title
    assert len(refs) == 12
