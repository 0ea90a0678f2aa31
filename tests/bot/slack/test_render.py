"""Card -> Block Kit as pure functions: escaping, limits, buttons, pager, forms."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack import modals, render
from bot.slack.forms import modal_answer
from bot.slack.mrkdwn import chunks, clip, escape, unescape
from handlers.core.types import (
    Button,
    Card,
    Fact,
    Form,
    FormInput,
    Outcome,
    Pager,
    Table,
)
from tests.fakes.block_kit import block_problems, live_markup, texts, view_problems

INJECTIONS = ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://evil.example|Portal>",
              "<#C123|general>", "&lt;!channel&gt;")


def test_escape_turns_markup_into_text() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert unescape(escape("a < b && c > d")) == "a < b && c > d"


def test_clip_never_ends_inside_an_entity() -> None:
    escaped = escape("x" * 9 + "<<<<")
    for limit in range(5, len(escaped) + 1):
        cut = clip(escaped, limit)
        assert len(cut) <= limit
        assert not cut.rstrip("…").endswith(("&", "&l", "&lt", "&g", "&gt", "&a", "&am", "&amp"))


def test_chunks_split_long_text_at_spaces() -> None:
    text = " ".join(["word"] * 2000)
    pieces = chunks(text, 3000)
    assert all(len(p) <= 3000 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_every_piece_of_card_text_is_escaped() -> None:
    nasty = " ".join(INJECTIONS)
    card = Card(
        title=nasty, text=(nasty,), facts=(Fact(nasty, nasty),),
        table=Table((nasty, "b"), ((nasty, nasty),)), context=(nasty,),
        buttons=(Button(nasty, "show TA-2026-0001"),), tone="error",
    )
    payload = render.reply_payload(Outcome(card))
    assert live_markup(payload) == []
    assert all("&lt;!channel&gt;" in t for t in texts(payload["blocks"][:2]))
    assert "&lt;!channel&gt;" in payload["text"]


def test_error_cards_are_marked_in_blocks_and_fallback() -> None:
    payload = render.reply_payload(Outcome(Card(title="That did not work", text=("x",),
                                                tone="error")))
    assert payload["blocks"][0]["text"]["text"].startswith(":x:")
    assert payload["text"].startswith("Error:")
    assert payload["response_type"] == "ephemeral"


def test_channel_visibility_posts_in_channel() -> None:
    payload = render.reply_payload(Outcome(Card(title="Decisions"), visibility="channel"))
    assert payload["response_type"] == "in_channel"


def test_buttons_carry_the_command_and_nothing_trusted() -> None:
    card = Card(title="t", buttons=(Button("Show", "show TA-2026-0007", "primary"),
                                    Button("Note", "note TA-2026-0007 hi")))
    actions = next(b for b in render.card_blocks(card) if b["type"] == "actions")
    first, second = actions["elements"]
    assert first["value"] == "show TA-2026-0007" and first["style"] == "primary"
    assert first["action_id"] == "s3.run.0" and second["action_id"] == "s3.run.1"
    assert "style" not in second


def test_pager_renders_previous_and_next() -> None:
    card = Card(title="Applications", pager=Pager(2, 5, 93, "list page:1", "list page:3"))
    blocks = render.card_blocks(card)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("s3.page.previous", "list page:1"), ("s3.page.next", "list page:3")]
    assert any("Page 2 of 5" in t for t in texts(blocks))


def test_a_500_application_list_stays_within_limits() -> None:
    rows = tuple((f"TA-2026-{n:04d}", f"EL51 Anatoliki Makedonia <!here> {n}",
                  "Regional Development Agency of Eastern Macedonia and Thrace " * 2, "edp",
                  "received", "2026-12-31") for n in range(500))
    card = Card(title="Applications", text=("All of them.",),
                table=Table(("ref", "region", "organisation", "topic", "status", "cut-off"), rows),
                pager=Pager(1, 25, 500, None, "list page:2"),
                buttons=tuple(Button(f"Show {r[0]}", f"show {r[0]}") for r in rows))
    blocks = render.card_blocks(card)
    assert block_problems(blocks) == []
    assert live_markup(blocks) == []
    assert any("not shown" in t for t in texts(blocks))
    pager = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
             if e["action_id"] == "s3.page.next"]
    assert pager == ["list page:2"]
    assert view_problems(render.home_view(card)) == []
    assert view_problems(render.result_modal(card)) == []


def test_table_rows_are_compact_readable_lines() -> None:
    card = Card(title="t", table=Table(("ref", "status"), (("TA-2026-0001", "received"),
                                                            ("TA-2026-0002", ""))))
    sections = [b for b in render.card_blocks(card) if b["type"] == "section"]
    assert sections[0]["text"]["text"] == "*TA-2026-0001* · received\n*TA-2026-0002*"
    assert "```" not in json.dumps(sections)


text = st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                        max_size=20) | st.sampled_from(INJECTIONS),
                max_size=6).map(" ".join)
long_text = st.one_of(text, st.integers(2900, 9000).map(lambda n: "<!here>&" * (n // 8)))
cards = st.builds(
    Card,
    title=long_text,
    text=st.lists(long_text, max_size=30).map(tuple),
    facts=st.lists(st.builds(Fact, long_text, long_text), max_size=40).map(tuple),
    table=st.none() | st.builds(
        Table, st.lists(text, max_size=6).map(tuple),
        st.lists(st.lists(long_text, max_size=6).map(tuple), max_size=80).map(tuple)),
    context=st.lists(long_text, max_size=25).map(tuple),
    buttons=st.lists(st.builds(Button, long_text, long_text), max_size=60).map(tuple),
    pager=st.none() | st.builds(Pager, st.integers(1, 99), st.integers(1, 99),
                                st.integers(0, 10**6), st.none() | text, st.none() | text,
                                st.booleans()),
    tone=st.sampled_from(["info", "success", "warning", "error"]),
)


@settings(max_examples=120, deadline=None)
@given(cards)
def test_any_card_renders_within_slack_limits(card: Card) -> None:
    payload = render.reply_payload(Outcome(card))
    assert block_problems(payload["blocks"]) == []
    assert view_problems(render.home_view(card)) == []
    assert view_problems(render.result_modal(card)) == []
    assert live_markup(payload) == []
    assert 0 < len(payload["text"]) <= render.FALLBACK_CHARS


def intake_form(**errors: str) -> Form:
    return Form(
        submit_command="new",
        title="New application with a very long title",
        inputs=(
            FormInput("region", "Region", kind="region", value="EL51", error=errors.get("region")),
            FormInput("topic", "Topic", kind="choice",
                      choices=(("edp", "EDP"), ("other", "Other")), value="other"),
            FormInput("challenges", "Challenges", kind="multi_choice", required=False,
                      choices=tuple((c, c) for c in ("green", "digital")), value="green"),
            FormInput("days", "Days", kind="number", minimum=0, maximum=20, value="3"),
            FormInput("needs", "Needs <!channel>", kind="long_text", hint="What for?"),
            FormInput("org", "Organisation", error=errors.get("org")),
        ),
    )


def test_form_becomes_a_modal_with_one_block_per_field() -> None:
    view = modals.form_view(intake_form(), channel_id="C1", thread_id="17.1")
    assert view_problems(view) == []
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["in.region"]["element"]["type"] == "external_select"
    assert inputs["in.region"]["element"]["action_id"] == modals.REGION_ACTION
    assert inputs["in.topic"]["element"]["initial_option"]["value"] == "other"
    assert inputs["in.challenges"]["element"]["type"] == "checkboxes"
    assert inputs["in.challenges"]["optional"] is True
    days = inputs["in.days"]["element"]
    assert days.items() >= {"type": "number_input", "min_value": "0", "max_value": "20",
                            "initial_value": "3"}.items()
    assert inputs["in.needs"]["element"]["multiline"] is True
    assert inputs["in.needs"]["label"]["text"] == "Needs &lt;!channel&gt;"
    assert json.loads(view["private_metadata"]) == {"command": "new", "channel": "C1",
                                                    "thread": "17.1"}
    assert len(view["title"]["text"]) <= 24


def test_form_errors_are_keyed_by_block_and_listed_on_open() -> None:
    form = intake_form(org="Organisation is needed")
    assert modals.form_errors(form) == {"in.org": "Organisation is needed"}
    view = modals.form_view(form)
    assert "Organisation is needed" in view["blocks"][0]["text"]["text"]


def test_submitted_state_becomes_form_values() -> None:
    state = {"values": {
        "in.region": {"s3.region": {"type": "external_select",
                                    "selected_option": {"value": "BG31"}}},
        "in.topic": {"value": {"type": "static_select", "selected_option": {"value": "edp"}}},
        "in.challenges": {"value": {"type": "checkboxes",
                                    "selected_options": [{"value": "green"}]}},
        "in.days": {"value": {"type": "number_input", "value": "4"}},
        "in.org": {"value": {"type": "plain_text_input", "value": None}},
        "other": {"x": {"type": "plain_text_input", "value": "ignored"}},
    }}
    assert modals.form_values(state) == {"region": "BG31", "topic": "edp",
                                         "challenges": ["green"], "days": "4", "org": None}


def test_a_submission_answer_keeps_the_modal_open_only_for_mistakes() -> None:
    view = modals.form_view(intake_form())
    wrong = Outcome(Card(title="Fix", form=intake_form(org="Needed")), opens_form=True)
    assert modal_answer(wrong, view) == {"response_action": "errors",
                                         "errors": {"in.org": "Needed"}}
    elsewhere = Form("new", "New", (FormInput("other", "Other", error="Bad"),))
    updated = modal_answer(Outcome(Card(title="Fix", form=elsewhere), opens_form=True), view)
    assert updated is not None and updated["response_action"] == "update"
    assert view_problems(updated["view"]) == []
    refused = modal_answer(Outcome(Card(title="That did not work", text=("Not yours.",),
                                        tone="error")), view)
    assert refused == {"response_action": "errors",
                       "errors": {"in.region": "That did not work Not yours."}}
    assert modal_answer(Outcome(Card(title="Registered TA-2026-0001")), view) is None
