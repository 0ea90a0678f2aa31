"""Scoring: typed and through the form, revisions, thread resolution, the rubric as data,
aggregation, divergence and consensus; and that a bad score never gets stored."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.cases.threads import case_for_thread
from handlers.core.types import Where
from handlers.evaluation.aggregate import aggregate
from storage.db import Database
from storage.models import Application, RubricCriterion, ThreadLink
from tests.conftest import Chat
from tests.evaluation_helpers import (
    GOOD,
    add_cutoff,
    audits,
    open_case,
    score_rows,
    scored_status_rows,
    status_of,
)

CRITERIA = ("relevance", "need", "feasibility", "impact")


def _case(chat: dict[str, Chat], db: Database) -> str:
    add_cutoff(db)
    ref = open_case(chat, db)
    assert chat["sec"](f"assign {ref} eva ed").reply.tone == "success"
    return ref


def test_typed_score_is_recorded_with_its_comment(chat: dict[str, Chat], db: Database,
                                                  people: dict[str, int]) -> None:
    ref = _case(chat, db)
    outcome = chat["eva"](f"score {ref} relevance=4 need=5 feasibility=3 impact=4 "
                          "Strong need; the plan is thin.")
    assert outcome.reply.tone == "success", outcome.reply
    facts = {f.label: f.value for f in outcome.reply.facts}
    assert facts["Need"] == "5" and facts["Progress"] == "1 of 2 scored"
    assert facts["Comment"] == "Strong need; the plan is thin."
    assert score_rows(db, ref) == [(people["eva"], {"relevance": 4, "need": 5,
                                                    "feasibility": 3, "impact": 4}, False, 1)]
    (edit,) = outcome.notices
    assert edit.edit_of == f"case:{ref}:post" and edit.key.startswith(f"case:{ref}:progress:")
    assert {f.label: f.value for f in edit.card.facts}["Progress"] == "1 of 2 scored"
    assert "5" not in repr(edit.card.text)
    assert status_of(db, ref) == "in_evaluation"


def test_last_score_completes_the_case_once(chat: dict[str, Chat], db: Database) -> None:
    ref = _case(chat, db)
    first = chat["eva"](f"score {ref} {GOOD}")
    second = chat["ed"](f"score {ref} relevance=5 need=4 feasibility=4 impact=3")
    assert status_of(db, ref) == "scored"
    assert scored_status_rows(db, ref) == 1
    keys = [n.key for n in (*first.notices, *second.notices)]
    assert len(keys) == len(set(keys))
    complete = next(n for n in second.notices if n.key.startswith(f"case:{ref}:complete:"))
    assert complete.thread_key == f"case:{ref}"
    assert "2 of 2 scored" in complete.card.text
    edit = next(n for n in second.notices if n.edit_of)
    assert {f.label: f.value for f in edit.card.facts}["Progress"] == "2 of 2 scored"
    chat["ed"](f"score {ref} relevance=5 need=5 feasibility=4 impact=3 revised")
    assert scored_status_rows(db, ref) == 1


def test_partial_and_out_of_range_scores_are_refused(chat: dict[str, Chat],
                                                     db: Database) -> None:
    ref = _case(chat, db)
    cases = {
        f"score {ref} relevance=4 need=5 feasibility=3": "Impact is missing",
        f"score {ref} relevance=4 need=6 feasibility=3 impact=1": "between 0 and 5",
        f"score {ref} relevance=4 need=x feasibility=3 impact=1": "whole number",
        f"score {ref} relevance=4 need=4.5 feasibility=3 impact=1": "whole number",
        f"score {ref} relevance=4 need=4 feasibility=3 impact=1 cost=9": "unknown criterion",
        f"score {ref} great relevance=4 need=4 feasibility=3 impact=1": "comes before",
        f"score {ref} Relevance=4 need=4 feasibility=3 impact=1": "lower case",
        f"score {ref} nice": "every criterion",
    }
    for text, message in cases.items():
        reply = chat["eva"](text).reply
        assert reply.tone == "error", text
        assert message in reply.text[0], (text, reply.text)
        assert reply.context and reply.context[0].startswith("Usage: score")
    assert score_rows(db, ref) == []


def test_only_active_unconflicted_evaluators_score(chat: dict[str, Chat],
                                                   db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva")
    assert "not an evaluator of" in chat["ed"](f"score {ref} {GOOD}").reply.text[0]
    assert chat["sec"](f"score {ref} {GOOD}").reply.tone == "error"
    assert chat["obs"](f"score {ref} {GOOD}").reply.tone == "error"
    assert score_rows(db, ref) == []


def test_score_alone_opens_the_form(chat: dict[str, Chat], db: Database) -> None:
    ref = _case(chat, db)
    outcome = chat["eva"](f"score {ref}")
    assert outcome.opens_form
    form = outcome.reply.form
    assert form is not None and form.submit_command == f"score {ref}"
    numbers = [i for i in form.inputs if i.kind == "number"]
    assert [i.key for i in numbers] == list(CRITERIA)
    assert all(i.minimum == 0 and i.maximum == 5 for i in numbers)
    assert all(i.hint and "threshold 3" in i.hint for i in numbers)
    assert form.inputs[-1].key == "comment" and not form.inputs[-1].required


def test_form_errors_land_on_the_wrong_input(chat: dict[str, Chat], db: Database,
                                             people: dict[str, int]) -> None:
    ref = _case(chat, db)
    bad = chat["eva"](f"score {ref}", form={"relevance": "4", "need": "9", "feasibility": "",
                                            "impact": "3", "comment": "hm"})
    assert bad.opens_form and bad.reply.tone == "error"
    assert bad.reply.form is not None
    errors = {i.key: i.error for i in bad.reply.form.inputs}
    assert errors["need"] and "between 0 and 5" in errors["need"]
    assert errors["feasibility"] and "missing" in errors["feasibility"]
    assert errors["relevance"] is None and errors["impact"] is None
    assert {i.key: i.value for i in bad.reply.form.inputs}["need"] == "9"
    assert score_rows(db, ref) == []
    good = chat["eva"](f"score {ref}", form={"relevance": 4, "need": "5", "feasibility": "3",
                                             "impact": "4", "comment": "fine"})
    assert good.reply.tone == "success" and not good.opens_form
    assert score_rows(db, ref)[0][1] == {"relevance": 4, "need": 5, "feasibility": 3,
                                         "impact": 4}
    reopened = chat["eva"](f"score {ref}").reply.form
    assert reopened is not None
    assert {i.key: i.value for i in reopened.inputs}["comment"] == "fine"


def test_revisions_until_the_decision(chat: dict[str, Chat], db: Database,
                                      people: dict[str, int]) -> None:
    ref = _case(chat, db)
    chat["eva"](f"score {ref} {GOOD}")
    revised = chat["eva"](f"score {ref} relevance=5 need=4 feasibility=4 impact=4 better")
    assert "version 2" in revised.reply.title
    assert score_rows(db, ref)[0][3] == 2
    revision = audits(db, "score", "revise")[0]
    assert revision.before and revision.after
    assert revision.before["values"]["relevance"] == 4
    assert revision.after["values"]["relevance"] == 5 and revision.after["version"] == 2
    chat["ed"](f"score {ref} {GOOD}")
    chat["sec"](f"decide {ref} approve strong case")
    late = chat["eva"](f"score {ref} {GOOD}").reply
    assert late.tone == "error" and "until the decision" in late.text[0]


def test_score_inside_the_case_thread(chat: dict[str, Chat], db: Database) -> None:
    ref = _case(chat, db)
    with db.transaction() as session:
        app_id = session.scalar(select(Application.id).where(Application.ref == ref))
        session.add(ThreadLink(application_id=app_id, platform="console", channel_id="eval",
                               message_id="1700000000.0001"))
    with db.read() as session:
        found = case_for_thread(session, "console", "eval", "1700000000.0001")
        assert found is not None and found.ref == ref
        assert case_for_thread(session, "console", "eval", "other") is None
        assert case_for_thread(session, "console", "eval", None) is None
    thread = Where(platform="console", channel_id="eval", thread_id="1700000000.0001")
    outcome = chat["eva"](f"score {GOOD} like TA-2026-0099, from the thread", where=thread)
    assert outcome.reply.tone == "success", outcome.reply
    assert score_rows(db, ref)[0][1]["need"] == 4
    form = chat["ed"]("score", where=thread)
    assert form.opens_form and form.reply.form is not None
    assert form.reply.form.submit_command == f"score {ref}"
    outside = chat["ed"](f"score {GOOD}").reply
    assert outside.tone == "error" and "name the case" in outside.text[0]


def test_rubric_is_data_the_secretariat_changes(chat: dict[str, Chat], db: Database) -> None:
    shown = chat["eva"]("rubric").reply
    assert shown.table is not None and [r[0] for r in shown.table.rows] == list(CRITERIA)
    changed = chat["sec"]('rubric set impact label:"Impact and transfer" threshold:2 weight:2')
    assert changed.reply.tone == "success"
    with db.read() as session:
        impact = session.get(RubricCriterion, "impact")
        assert impact is not None
        assert (impact.label, impact.threshold, impact.weight) == ("Impact and transfer", 2, 2)
    assert audits(db, "rubric", "update")[0].before["threshold"] == 3  # type: ignore[index]
    assert chat["eva"]("rubric set impact threshold:1").reply.tone == "error"
    assert "scale" in chat["sec"]("rubric set impact threshold:9").reply.text[0]
    assert chat["sec"]('rubric set green label:"Green transition" max:5').reply.tone == \
        "success"
    form = chat["sec"]("rubric").reply.table
    assert form is not None and form.rows[-1][0] == "green"


def test_aggregate_means_total_threshold_and_spread() -> None:
    crit = [RubricCriterion(key="a", label="A", threshold=3, weight=2, scale_min=0,
                            scale_max=5),
            RubricCriterion(key="b", label="B", threshold=3, weight=1, scale_min=0,
                            scale_max=5)]
    result = aggregate(crit, [{"a": 4, "b": 1}, {"a": 3, "b": 4}], None, 3)
    assert [c.mean for c in result.criteria] == [Fraction(7, 2), Fraction(5, 2)]
    assert result.total == Fraction(7) + Fraction(5, 2)
    assert not result.passed and [c.key for c in result.failed] == ["b"]
    assert result.divergent == ("b",) and result.needs_consensus
    agreed = aggregate(crit, [{"a": 4, "b": 1}, {"a": 3, "b": 4}], {"a": 4, "b": 3}, 3)
    assert agreed.passed and agreed.total == 11 and not agreed.needs_consensus


def test_divergent_scores_ask_for_consensus(chat: dict[str, Chat], db: Database) -> None:
    ref = _case(chat, db)
    chat["eva"](f"score {ref} relevance=4 need=1 feasibility=4 impact=4")
    second = chat["ed"](f"score {ref} relevance=4 need=5 feasibility=4 impact=4")
    flag = next(n for n in second.notices if n.key == f"case:{ref}:consensus:need")
    assert flag.thread_key == f"case:{ref}" and flag.card.tone == "warning"
    assert "Need" in flag.card.text[0] and f"consensus {ref}" in flag.card.text[1]
    assert chat["ed"](f"consensus {ref} need=3 ok") \
        .reply.tone == "error"
    missing = chat["sec"](f"consensus {ref} need=3").reply
    assert "how the consensus" in missing.text[0]
    done = chat["sec"](f"consensus {ref} need=3 "
                       "agreed in the call of 2 December")
    assert done.reply.tone == "success"
    assert any("Need 3.00" in line and "consensus" in line for line in done.reply.text)
    shown = chat["sec"](f"show {ref}").reply
    assert any(f.label == "Divergence" and "consensus recorded" in f.value
               for f in shown.facts)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*CRITERIA, "cost"]),
                       st.one_of(st.integers(-3, 9), st.sampled_from(["", "x", "2.5", "04"])),
                       max_size=5))
def test_score_never_stores_a_bad_or_partial_set(chat: dict[str, Chat], db: Database,
                                                 pairs: dict[str, object]) -> None:
    with db.read() as session:
        ref = session.scalar(select(Application.ref).where(Application.status.in_(
            ("in_evaluation", "scored"))).limit(1))
    if ref is None:
        ref = _case(chat, db)
    before = score_rows(db, ref)
    text = " ".join(f"{k}={v}" for k, v in pairs.items())
    outcome = chat["eva"](f"score {ref} {text}")
    reply = outcome.reply
    after = score_rows(db, ref)
    valid = set(pairs) == set(CRITERIA) and all(
        str(v).lstrip("-").isdigit() and 0 <= int(str(v)) <= 5 for v in pairs.values())
    if not pairs:
        assert outcome.opens_form and after == before
    elif valid:
        assert reply.tone == "success", (text, reply)
    else:
        assert reply.tone == "error" and after == before, (text, reply)
    for _, values, _, _ in after:
        assert set(values) == set(CRITERIA)
        assert all(isinstance(v, int) and 0 <= v <= 5 for v in values.values())
