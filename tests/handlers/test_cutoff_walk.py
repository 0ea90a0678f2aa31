"""One cut-off of twelve applications from `received` to a decision every applicant has
been told about, driven only through chat commands once the applications exist."""

from __future__ import annotations

from storage.db import Database
from tests.conftest import Chat
from tests.cutoff_walk_helpers import walk_to_announcement
from tests.evaluation_helpers import audits


def test_one_cutoff_from_received_to_everyone_informed(chat: dict[str, Chat],
                                                       db: Database) -> None:
    _, announced = walk_to_announcement(chat, db)
    # without e-mail set up the letters are drafts for the secretariat to send
    assert sum(1 for n in announced.notices if n.kind == "letter_draft") == 12
    sec = chat["sec"]
    pending = sec("pending").reply
    assert pending.table is not None and len(pending.table.rows) == 12
    assert any("E-mail is not set up" in line for line in pending.context)
    for row in pending.table.rows:
        assert sec(f"notified {row[0]} email").reply.tone == "success"
    assert "has been told" in sec("pending").reply.title
    assert len(audits(db, "notification", "sent")) == 12
    scored = [a for a in audits(db, "application", "status")
              if (a.after or {}).get("status") == "scored"]
    assert len(scored) == 12
