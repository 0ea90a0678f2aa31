"""Claims, leases and settlement of outbox rows, on the real store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import Database
from storage.models import ThreadLink
from storage.outbox import claim_due
from storage.outbox_settle import (
    backoff,
    mark_failed,
    mark_sent,
    release,
    retry_later,
)
from tests.reminder_helpers import add_application, add_cutoff, add_row, at, row

NOW = at(2026, 11, 26, 10)
LEASE = timedelta(minutes=5)


def claim(db: Database, now=NOW, worker: str = "w1", limit: int = 10,
          platforms: tuple[str, ...] = ("slack", "teams")):
    return claim_due(db, now=now, worker_id=worker, lease=LEASE, limit=limit,
                     platforms=platforms)


def test_a_due_row_is_leased_to_one_worker(db: Database) -> None:
    due = add_row(db, "a", due=NOW - timedelta(minutes=1))
    add_row(db, "later", due=NOW + timedelta(minutes=1))
    claims = claim(db)
    assert [c.dedupe_key for c in claims] == ["a"]
    stored = row(db, due)
    assert (stored.status, stored.claimed_by, stored.attempts) == ("sending", "w1", 1)
    assert stored.lease_until == NOW + LEASE
    assert claim(db, worker="w2") == []


def test_an_expired_lease_makes_the_row_claimable_again(db: Database) -> None:
    add_row(db, "a", due=NOW)
    first = claim(db)[0]
    assert not first.retried
    assert claim(db, now=NOW + LEASE - timedelta(seconds=1), worker="w2") == []
    again = claim(db, now=NOW + LEASE + timedelta(seconds=1), worker="w2")
    assert [c.dedupe_key for c in again] == ["a"]
    assert again[0].attempts == 2 and again[0].retried
    # the first worker lost the row: its late result is ignored
    assert not mark_sent(db, first.row_id, "w1", "m-late", NOW + LEASE)
    assert mark_sent(db, first.row_id, "w2", "m2", NOW + LEASE)
    assert row(db, first.row_id).message_id == "m2"


def test_only_platforms_with_a_sender_are_claimed(db: Database) -> None:
    add_row(db, "s", due=NOW)
    add_row(db, "t", due=NOW, platform="teams")
    assert [c.dedupe_key for c in claim(db, platforms=("teams",))] == ["t"]
    assert claim(db, platforms=()) == []


def test_oldest_due_first_and_the_limit_holds(db: Database) -> None:
    for minutes in (3, 1, 2):
        add_row(db, f"k{minutes}", target=f"C{minutes}", due=NOW - timedelta(minutes=minutes))
    assert [c.dedupe_key for c in claim(db, limit=2)] == ["k3", "k2"]


def test_a_claim_takes_one_row_per_channel_oldest_first(db: Database) -> None:
    for name, target, minutes in (("a1", "C-A", 3), ("a2", "C-A", 2), ("b1", "C-B", 1)):
        add_row(db, name, target=target, due=NOW - timedelta(minutes=minutes))
    first = claim(db)
    assert [c.dedupe_key for c in first] == ["a1", "b1"]
    mark_sent(db, first[0].row_id, "w1", "ts-a1", NOW)
    assert [c.dedupe_key for c in claim(db)] == ["a2"]


def test_a_row_past_its_usefulness_is_marked_missed_not_claimed(db: Database) -> None:
    late = add_row(db, "late", due=NOW - timedelta(days=2), useful_until=NOW - timedelta(days=1))
    fine = add_row(db, "fine", due=NOW - timedelta(days=2), useful_until=NOW + timedelta(days=1))
    assert [c.row_id for c in claim(db)] == [fine]
    assert row(db, late).status == "missed"
    assert "no longer useful" in (row(db, late).error or "")


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(40) == timedelta(hours=1)


def test_retry_moves_the_due_time_then_gives_up(db: Database) -> None:
    row_id = add_row(db, "a", due=NOW)
    claim(db)
    assert retry_later(db, row_id, "w1", "429 rate limited", NOW) == "pending"
    stored = row(db, row_id)
    assert stored.due_at == NOW + timedelta(seconds=30) and stored.error == "429 rate limited"
    claim(db, now=NOW + timedelta(seconds=30))
    assert retry_later(db, row_id, "w1", "slow", NOW, retry_after=600) == "pending"
    assert row(db, row_id).due_at == NOW + timedelta(seconds=600)
    claim(db, now=NOW + timedelta(hours=1))
    assert retry_later(db, row_id, "w1", "still down", NOW, max_attempts=3) == "failed"
    assert (row(db, row_id).status, row(db, row_id).error) == ("failed", "still down")


def test_failed_and_released_rows(db: Database) -> None:
    bad = add_row(db, "bad", target="C-BAD", due=NOW)
    back = add_row(db, "back", target="C-BACK", due=NOW)
    claim(db)
    assert mark_failed(db, bad, "w1", "channel_not_found")
    assert release(db, back, "w1")
    assert row(db, bad).status == "failed"
    assert (row(db, back).status, row(db, back).claimed_by) == ("pending", None)
    assert [c.row_id for c in claim(db, worker="w2")] == [back]


def test_an_edit_waits_for_its_original_then_updates_it(db: Database) -> None:
    original = add_row(db, "decision:1:slack:C1", due=NOW)
    add_row(db, "decision:1:v2:slack:C1", due=NOW - timedelta(minutes=1),
            edit_of="decision:1:slack:C1")
    assert [c.row_id for c in claim(db)] == [original]
    assert claim(db, worker="w2") == []  # the original is being sent: the edit waits
    mark_sent(db, original, "w1", "ts-1", NOW)
    edit = claim(db, worker="w2")[0]
    assert edit.edit_message_id == "ts-1"


def test_an_edit_of_a_failed_original_is_posted_as_new(db: Database) -> None:
    original = add_row(db, "o:slack:C1", due=NOW)
    add_row(db, "e:slack:C1", due=NOW + timedelta(seconds=1), edit_of="o:slack:C1")
    claim(db)
    mark_failed(db, original, "w1", "gone")
    edit = claim(db, now=NOW + timedelta(seconds=1))[0]
    assert edit.edit_message_id is None


def test_thread_replies_wait_for_the_root_and_the_case_thread_is_linked(db: Database) -> None:
    cutoff = add_cutoff(db, NOW.date())
    ref = add_application(db, cutoff, status="in_evaluation")
    root = add_row(db, f"open:{ref}:slack:C1", due=NOW, thread_key=f"case:{ref}",
                   starts_thread=True)
    add_row(db, f"progress:{ref}:slack:C1", due=NOW - timedelta(minutes=1),
            thread_key=f"case:{ref}")
    assert [c.row_id for c in claim(db)] == [root]
    assert mark_sent(db, root, "w1", "1700000000.0001", NOW)
    reply = claim(db)[0]
    assert reply.thread_root == "1700000000.0001"
    with db.read() as session:
        link = session.scalar(select(ThreadLink))
        assert link is not None
        assert (link.platform, link.channel_id, link.message_id) == (
            "slack", "C1", "1700000000.0001")


def test_a_reply_in_another_channel_does_not_wait_for_this_root(db: Database) -> None:
    add_row(db, "root:slack:C1", due=NOW + timedelta(hours=1), thread_key="case:TA-2026-0001",
            starts_thread=True)
    other = add_row(db, "reply:slack:C2", due=NOW, target="C2", thread_key="case:TA-2026-0001")
    claims = claim(db)
    assert [c.row_id for c in claims] == [other]
    assert claims[0].thread_root is None
