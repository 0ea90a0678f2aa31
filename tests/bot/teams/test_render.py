"""Every Adaptive Card the Teams renderer can produce is valid Adaptive Card 1.5."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.teams.card_parts import COMMAND_KEY, FORM_KEY, LIST_KEY
from bot.teams.render import MAX_CARD_BYTES, MAX_PRIMARY_ACTIONS, render
from handlers.core.types import Button, Card, Fact, Form, FormInput, Pager, Table
from tests.fakes.connector import visible_text
from tests.paths import FIXTURES

SCHEMA_PATH = FIXTURES / "schemas" / "adaptive-cards" / \
    "adaptive-card.1.5.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft6Validator(SCHEMA)


def assert_valid(card: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
    assert card["version"] == "1.5"
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) <= MAX_CARD_BYTES


def as_activity(card: dict[str, Any]) -> dict[str, Any]:
    return {"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                             "content": card}]}


ALL_INPUTS = (
    FormInput("org", "Organisation", "text", hint="as on the letterhead", value="Region X"),
    FormInput("needs", "Needs", "long_text", required=False),
    FormInput("relevance", "Relevance", "number", minimum=0, maximum=5, value="4"),
    FormInput("days", "Days", "number", minimum=1, error="at least one day"),
    FormInput("budget", "Budget", "number", maximum=9, value="not a number"),
    FormInput("topic", "Topic", "choice", choices=(("edp", "EDP"), ("other", "Other")),
              value="edp", hint="pick one"),
    FormInput("challenges", "Challenges", "multi_choice", required=False,
              choices=tuple((k, k.title()) for k in ("green", "digital", "demographic")),
              value="green,digital"),
    FormInput("languages", "Languages", "multi_choice",
              choices=tuple((f"l{i}", f"Language {i}") for i in range(12))),
    FormInput("region", "Region", "region", hint="NUTS-2 code"),
    FormInput("region2", "Region (listed)", "region", choices=(("EL51", "Anatoliki"),)),
)

REPRESENTATIVE = [
    Card(title="Plain"),
    Card(title="Everything", text=("line one", "line *two* with [a link](https://x.eu)"),
         facts=(Fact("Organisation", "A & B <Ltd>"), Fact("Status", "in evaluation")),
         table=Table(("Ref", "Org", "Status"), (("TA-2026-0001", "X", "received"),)),
         context=("Context line",), buttons=(Button("Show", "show TA-2026-0001", "primary"),
                                             Button("Withdraw", "status TA-2026-0001 "
                                                    "withdrawn", "danger")),
         pager=Pager(2, 5, 93, "list page:1", "list page:3"), tone="warning"),
    Card(title="Form", form=Form("new", "New application", ALL_INPUTS, "Register")),
    Card(title="Errors", tone="error", form=Form(
        "score TA-2026-0001", "Score", tuple(
            FormInput(k, k.title(), "number", minimum=0, maximum=5, error=f"{k} is missing")
            for k in ("relevance", "need")))),
    Card(title="Long table", table=Table(
        ("Ref", "Organisation", "Region", "Topic", "Status", "Cut-off", "Score", "Evaluators",
         "Extra"),
        tuple((f"TA-2026-{i:04d}", "Regional Development Agency " * 8, "EL51", "edp",
               "received", "2026-12-31", "4.5", "eva, ed", "x") for i in range(400)))),
    Card(title="Many buttons", buttons=tuple(Button(f"B{i}", f"show TA-2026-{i:04d}")
                                             for i in range(9))),
    Card(title="Chart", image_png=b"\x89PNG\r\n\x1a\n" + b"0" * 2000),
    Card(title="Huge chart", image_png=b"\x89PNG\r\n\x1a\n" + b"0" * 40_000),
    Card(title="Huge text", text=tuple("word " * 2000 for _ in range(20))),
    Card(title="First page only", pager=Pager(1, 1, 3)),
    Card(title="Empty table", table=Table(("A", "B"), ())),
    Card(title="Ragged table", table=Table(("A", "B", "C"), (("1",), ("1", "2", "3", "4")))),
]


@pytest.mark.parametrize("card", REPRESENTATIVE, ids=[c.title for c in REPRESENTATIVE])
def test_representative_cards_are_valid_adaptive_cards(card: Card) -> None:
    assert_valid(render(card))


def test_a_card_without_text_or_with_an_unknown_element_fails_the_schema() -> None:
    # the schema really checks: a TextBlock without text and an unknown type are refused
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock"}]}
    assert list(VALIDATOR.iter_errors(bad))
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}]}
    assert list(VALIDATOR.iter_errors(bad))


def test_user_text_is_shown_as_typed_never_as_markdown() -> None:
    card = render(REPRESENTATIVE[1])
    # free text goes into TextRuns, which Teams never reads as Markdown
    runs = [el for el in card["body"] if el["type"] == "TextBlock"]
    assert runs == []
    text = visible_text(as_activity(card))
    assert "line *two* with [a link](https://x.eu)" in text
    facts = next(el for el in card["body"] if el["type"] == "FactSet")["facts"]
    assert facts[0]["value"] == "A & B \\<Ltd\\>"


def test_buttons_carry_their_command_and_ask_for_no_inputs() -> None:
    card = render(REPRESENTATIVE[1])
    show, withdraw = card["actions"]
    assert show["data"] == {COMMAND_KEY: "show TA-2026-0001"}
    assert show["style"] == "positive" and withdraw["style"] == "destructive"
    assert show["associatedInputs"] == "none"
    pager = next(el for el in card["body"] if el["type"] == "ActionSet")
    assert [a["data"][COMMAND_KEY] for a in pager["actions"]] == ["list page:1", "list page:3"]
    assert "Page 2 of 5 · 93 in all" in visible_text(as_activity(card))


def test_more_buttons_than_fit_go_to_the_overflow_menu() -> None:
    actions = render(REPRESENTATIVE[5])["actions"]
    assert [a.get("mode") for a in actions] == [None] * MAX_PRIMARY_ACTIONS + \
        ["secondary"] * (9 - MAX_PRIMARY_ACTIONS)


def test_form_inputs_use_the_native_elements_with_their_checks() -> None:
    card = render(REPRESENTATIVE[2])
    inputs = {el["id"]: el for el in card["body"] if el["type"].startswith("Input.")}
    assert inputs["org"]["type"] == "Input.Text" and inputs["org"]["value"] == "Region X"
    assert inputs["org"]["placeholder"] == "as on the letterhead"
    assert inputs["needs"]["isMultiline"] is True and inputs["needs"]["isRequired"] is False
    assert inputs["relevance"] == {**inputs["relevance"], "type": "Input.Number", "min": 0,
                                   "max": 5, "value": 4, "isRequired": True}
    assert "from 0 to 5" in inputs["relevance"]["errorMessage"]
    assert "value" not in inputs["budget"]
    assert inputs["topic"]["type"] == "Input.ChoiceSet" and inputs["topic"]["value"] == "edp"
    assert inputs["challenges"]["isMultiSelect"] is True
    assert inputs["challenges"]["style"] == "expanded"
    assert inputs["languages"]["style"] == "compact"
    assert inputs["region"]["type"] == "Input.Text"
    assert inputs["region2"]["type"] == "Input.ChoiceSet"
    submit = card["actions"][0]
    assert submit["title"] == "Register" and submit["style"] == "positive"
    assert submit["data"] == {COMMAND_KEY: "new", FORM_KEY: True,
                              LIST_KEY: ["challenges", "languages"]}


def test_an_error_is_shown_right_under_its_input() -> None:
    body = render(REPRESENTATIVE[3])["body"]
    ids = [el.get("id") or visible_text(as_activity({"body": [el]})) for el in body]
    assert ids.index("relevance is missing") == ids.index("relevance") + 1
    assert ids.index("need is missing") == ids.index("need") + 1
    error = body[ids.index("need is missing")]
    assert error["inlines"][0]["color"] == "Attention"


def test_a_long_table_is_shortened_to_fit_and_says_so() -> None:
    card = render(REPRESENTATIVE[4])
    assert_valid(card)
    text = visible_text(as_activity(card))
    assert "more rows not shown here." in text
    assert "Columns not shown: Extra" in text


def test_an_image_too_big_for_teams_is_left_out() -> None:
    small = render(REPRESENTATIVE[6])
    assert any(el["type"] == "Image" and el["url"].startswith("data:image/png;base64,")
               for el in small["body"])
    big = render(REPRESENTATIVE[7])
    assert not any(el["type"] == "Image" for el in big["body"])
    assert "S3DESK_PUBLIC_URL" in visible_text(as_activity(big))


def test_a_picture_with_an_address_is_shown_by_address_whatever_its_size() -> None:
    url = "https://desk.example.eu/charts/abc.def.png"
    card = render(Card(title="Huge chart", image_png=b"\x89PNG\r\n\x1a\n" + b"0" * 40_000,
                       chart="stats", image_url=url))
    assert_valid(card)
    assert [el["url"] for el in card["body"] if el["type"] == "Image"] == [url]


# ---- any card the core can build -------------------------------------------------------

words = st.text(min_size=0, max_size=120)
short = st.text(min_size=1, max_size=30)
commands = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1,
                   max_size=60)
inputs = st.builds(
    FormInput,
    key=st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True),
    label=short,
    kind=st.sampled_from(["text", "long_text", "number", "choice", "multi_choice", "region"]),
    required=st.booleans(),
    choices=st.lists(st.tuples(short, short), max_size=12).map(tuple),
    minimum=st.none() | st.integers(-10, 10),
    maximum=st.none() | st.integers(0, 100),
    value=st.none() | words,
    hint=st.none() | words,
    error=st.none() | words,
)
cards = st.builds(
    Card,
    title=words,
    text=st.lists(words, max_size=4).map(tuple),
    facts=st.lists(st.builds(Fact, short, words), max_size=12).map(tuple),
    table=st.none() | st.builds(
        Table, st.lists(short, max_size=10).map(tuple),
        st.lists(st.lists(words, max_size=10).map(tuple), max_size=25).map(tuple)),
    context=st.lists(words, max_size=3).map(tuple),
    buttons=st.lists(st.builds(Button, short, commands,
                               st.sampled_from(["default", "primary", "danger"])),
                     max_size=8).map(tuple),
    pager=st.none() | st.builds(Pager, st.integers(1, 50), st.integers(1, 50),
                                st.integers(0, 10_000), st.none() | commands,
                                st.none() | commands),
    form=st.none() | st.builds(Form, commands, words,
                               st.lists(inputs, max_size=8,
                                        unique_by=lambda i: i.key).map(tuple), short),
    tone=st.sampled_from(["info", "success", "warning", "error"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards)
def test_every_card_renders_to_a_valid_adaptive_card(card: Card) -> None:
    assert_valid(render(card))
