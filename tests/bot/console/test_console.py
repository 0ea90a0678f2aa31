"""The terminal console: cards as text, the REPL driven by lines, forms asked field by field."""

from __future__ import annotations

import io
import threading
from datetime import datetime

from sqlalchemy import func, select

from bot.console.messages import BackgroundMessenger
from bot.console.render import render_card, render_notice, render_pager, render_table
from bot.console.session import run_console
from bot.console.start import NoSuchPerson, choose_identity, offer_demo
from bot.demo.programme import load_demo
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from handlers.core.fanout import insert_if_absent
from handlers.core.types import Audience, Button, Card, Fact, Notice, Pager, Table
from storage.db import Database
from storage.models import (
    Application,
    AuditEntry,
    EvaluatorAssignment,
    Identity,
    Note,
    OutboxMessage,
    Person,
    Score,
)
from tests.case_helpers import add_applications


def talk(desk: Desk, person: str, now: datetime, *lines: str, width: int = 100) -> str:
    out = io.StringIO()
    run_console(desk, person, io.StringIO("".join(f"{line}\n" for line in lines)), out,
                clock=lambda: now, width=width)
    return out.getvalue()


# --- rendering -------------------------------------------------------------------------

def test_facts_are_aligned_and_long_labels_get_their_own_line() -> None:
    card = Card(title="Case", facts=(Fact("Region", "EL51"), Fact("Cut-off", "2026-12-31"),
                                     Fact("x" * 40, "long label value")))
    lines = render_card(card).splitlines()
    assert lines[2] == "Region:  EL51"
    assert lines[3] == "Cut-off: 2026-12-31"
    assert lines[4] == "x" * 40 + ":"
    assert lines[5].strip() == "long label value"


def test_table_columns_fit_their_content_and_long_cells_are_cut() -> None:
    table = Table(("Ref", "Organisation"), (("TA-2026-0001", "A" * 300), ("TA-2026-0002", "B")))
    lines = render_table(table, width=60)
    assert lines[0].startswith("Ref           Organisation")
    assert all(len(line) <= 60 for line in lines)
    assert lines[2].endswith("…")
    assert lines[3].rstrip().endswith("B")


def test_pager_buttons_and_context_read_as_hints() -> None:
    card = Card(title="Applications", context=("5 matches",),
                pager=Pager(1, 5, 93, None, "list page:2"),
                buttons=(Button("Show", "show TA-2026-0001"),))
    text = render_card(card)
    assert "Page 1 of 5 · 93 in all — next: list page:2" in text
    assert "[Show] -> show TA-2026-0001" in text
    assert "  5 matches" in text
    # a single page needs no pager line
    assert "page" not in render_card(Card(title="Applications", pager=Pager(1, 1, 3)))


def test_control_characters_are_shown_not_obeyed() -> None:
    text = render_card(Card(title="\x1b[2Jboom", text=("tab\there",)))
    assert "\x1b" not in text
    assert "\\x1b[2Jboom" in text
    assert "tab here" in text


def test_error_cards_are_marked() -> None:
    assert render_card(Card(title="That did not work", tone="error")).startswith("error: ")


def test_notice_lines_name_where_they_go() -> None:
    notice = Notice(Audience("places", purpose="evaluation"),
                    Card(title="TA-2026-0001: 1 of 2 scored", text=("Progress",)), key="k")
    assert render_notice(notice, "#evaluation") == (
        "-> #evaluation: TA-2026-0001: 1 of 2 scored — Progress")


def test_a_notice_with_line_breaks_shows_its_first_line_not_escapes() -> None:
    notice = Notice(Audience("secretariat"),
                    Card(title="Letter to send: TA-2026-0001 (approve)",
                         text=("Dear Ana,\n\nThank you for the Expression of Interest.",)),
                    key="k")
    assert render_notice(notice, "secretariat") == (
        "-> secretariat: Letter to send: TA-2026-0001 (approve) — Dear Ana,")


# --- the REPL ----------------------------------------------------------------------------

def test_commands_are_answered_until_quit(desk: Desk, people: dict[str, int],
                                          now: datetime) -> None:
    out = talk(desk, "sec", now, "help", "", "hlep", "quit", "help")
    assert "sec> help" in out
    assert "S3 Desk: what you may do" in out
    assert "error: That did not work" in out and "`help`" in out
    # nothing after quit is run
    assert out.count("S3 Desk: what you may do") == 1


def test_end_of_input_leaves(desk: Desk, people: dict[str, int], now: datetime) -> None:
    out = io.StringIO()
    ran = run_console(desk, "obs", io.StringIO("help\n"), out, clock=lambda: now)
    assert ran == 1
    assert out.getvalue().rstrip().endswith("obs>")


def test_the_intake_form_is_asked_field_by_field(desk: Desk, db: Database,
                                                people: dict[str, int], now: datetime) -> None:
    answers = ["new",
               "anatoliki",  # region, found by its folded name
               "1",  # topic by number
               "green, 4",  # two challenges, by key and by number
               "Agency of the East",
               "", "", "",  # contact name, email and language skipped
               "9",  # not a choice: asked again
               "transition",
               "", ""]
    out = talk(desk, "sec", now, *answers)
    assert "-> EL51" in out
    assert "choose a number from 1 to 3" in out
    assert "ok: Registered TA-2026-0001" in out
    with db.read() as session:
        app = session.scalar(select(Application))
        assert app is not None
        assert (app.region_code, app.topic, app.challenges) == ("EL51", "edp",
                                                                ["green", "digital"])
        assert app.cohesion_declared == "transition"


def test_a_region_search_with_several_matches_lists_them(desk: Desk, db: Database,
                                                         people: dict[str, int],
                                                         now: datetime) -> None:
    out = talk(desk, "sec", now, "new", "nord", "2", "cancel")
    assert "1) " in out and "Which one" in out
    assert "Form abandoned; nothing was sent." in out
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 0


def test_form_errors_come_back_on_the_field(desk: Desk, db: Database,
                                            people: dict[str, int], now: datetime) -> None:
    # a submission date in the future is refused by the intake: the form is asked again
    out = talk(desk, "sec", now, "new", "EL51", "edp", "", "Agency", "", "", "", "", "",
               "2099-01-01",
               # the form comes back filled in: Enter keeps each value, `-` empties the date
               "", "", "", "", "", "", "", "", "", "-")
    assert "! a submission cannot be in the future" in out
    assert "Received on (optional) [2099-01-01]: -" in out
    assert "Registered TA-2026-0001" in out


def test_notices_are_shown_where_they_would_go(db: Database, desk: Desk,
                                               config: ProgrammeConfig, now: datetime) -> None:
    load_demo(db, now, config)
    with db.read() as session:
        scored = select(Score.person_id).where(Score.application_id == Application.id)
        ref, user = session.execute(
            select(Application.ref, Identity.platform_user_id)
            .join(EvaluatorAssignment, EvaluatorAssignment.application_id == Application.id)
            .join(Identity, Identity.person_id == EvaluatorAssignment.person_id)
            .where(Application.status == "in_evaluation", EvaluatorAssignment.active,
                   EvaluatorAssignment.person_id.not_in(scored))
            .order_by(Application.ref).limit(1)).one()
    out = talk(desk, user, now, f"score {ref} relevance=4 need=4 feasibility=3 impact=4")
    assert "-> #evaluation: " in out


def test_notices_to_a_person_name_them(desk: Desk, db: Database, config: ProgrammeConfig,
                                      people: dict[str, int], now: datetime) -> None:
    [ref] = add_applications(db, config, [now], status="in_evaluation")
    out = talk(desk, "sec", now, f"assign {ref} @eva")
    assert "-> @eva: " in out


def test_typed_control_characters_and_stray_surrogates_are_cleaned(
        desk: Desk, db: Database, config: ProgrammeConfig, people: dict[str, int],
        now: datetime) -> None:
    [ref] = add_applications(db, config, [now])
    talk(desk, "sec", now, f"note {ref} rang\x00 the\x1b agency \udcff")
    with db.read() as session:
        assert session.scalar(select(Note.text)) == "rang the agency \ufffd"


class _Watched(io.StringIO):
    """An output stream that says when something was written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def write(self, text: str) -> int:
        count = super().write(text)
        self.written.set()
        return count


def test_an_open_console_prints_messages_due_to_console_places(db: Database,
                                                               now: datetime) -> None:
    card = Card(title="Cut-off on 31 December 2026 closes in 7 days")
    with db.transaction() as session:
        insert_if_absent(session, {
            "dedupe_key": "reminder:test:console:console", "kind": "reminder",
            "platform": "console", "target": "console", "card": card.to_dict(),
            "due_at": now, "status": "pending", "attempts": 0, "created_at": now})
    stream = _Watched()
    messages = BackgroundMessenger(db, stream, clock=lambda: now)
    messages.start()
    try:
        # a bounded wait for the other thread, not a measurement
        assert stream.written.wait(60)
    finally:
        messages.stop()
    assert "-- reminder" in stream.getvalue()
    assert card.title in stream.getvalue()
    with db.read() as session:
        assert session.scalar(select(OutboxMessage.status)) == "sent"


# --- who the console acts as -------------------------------------------------------------

def test_an_empty_store_gets_a_default_secretariat_person(db: Database, now: datetime) -> None:
    said: list[str] = []
    assert choose_identity(db, None, now, said.append) == "secretariat"
    assert "created `secretariat`" in said[0]
    with db.read() as session:
        person = session.scalar(select(Person))
        assert person is not None and person.role_names == {"secretariat"}
        assert session.scalar(select(AuditEntry.source)) == "console"


def test_an_unknown_name_lists_who_there_is(db: Database, people: dict[str, int],
                                            now: datetime) -> None:
    try:
        choose_identity(db, "nobody", now, print)
    except NoSuchPerson as exc:
        assert "Nobody called `nobody`" in str(exc)
        assert "eva" in str(exc) and "observer" in str(exc)
    else:
        raise AssertionError("an unknown name was accepted")


def test_without_a_name_the_first_secretariat_member_is_chosen(
        db: Database, people: dict[str, int], now: datetime) -> None:
    said: list[str] = []
    assert choose_identity(db, None, now, said.append) == "sec"
    assert "--as NAME" in said[0]
    assert choose_identity(db, "EVA", now, said.append) == "eva"


def test_demo_is_offered_on_an_empty_store(db: Database, config: ProgrammeConfig,
                                           now: datetime) -> None:
    said: list[str] = []
    assert offer_demo(db, config, now, said.append, lambda _: "n", wanted=False) is None
    assert offer_demo(db, config, now, said.append, None, wanted=False) is None
    summary = offer_demo(db, config, now, said.append, lambda _: "y", wanted=False)
    assert summary is not None and summary.applications == 40
    assert any("Demo programme loaded" in line for line in said)
    # not offered again once the store holds a programme
    assert offer_demo(db, config, now, said.append, lambda _: "y", wanted=True) is None
    assert said[-1] == "The database already holds a programme: the demo is not loaded."


def test_demo_then_the_console_answers_the_everyday_commands(
        db: Database, desk: Desk, config: ProgrammeConfig, now: datetime) -> None:
    summary = load_demo(db, now, config)
    secretariat = next(user for user, _, roles, _ in summary.people if "secretariat" in roles)
    with db.read() as session:
        ref = session.scalar(select(Application.ref).where(Application.status == "in_delivery")
                             .order_by(Application.ref).limit(1))
    out = talk(desk, secretariat, now, "help", "list status:in_evaluation", f"show {ref}",
               "cutoffs")
    assert "error:" not in out
    assert "S3 Desk: what you may do" in out
    assert out.count("in_evaluation") >= 5
    assert f"{ref} · " in out and "Milestones" in out
    assert "Cut-offs" in out and "2026-12-31" in out


def test_a_pager_that_stopped_counting_says_so() -> None:
    pager = Pager(page=1, pages=6, total=101, next_command="list page:2", at_least=True)
    assert render_pager(pager).startswith("Page 1 of 6+ · 101+ in all")
