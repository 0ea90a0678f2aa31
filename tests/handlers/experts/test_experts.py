"""The expert database: adding (inline and by form), changing, listing, importing."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.experts.importing import import_experts
from storage.db import Database
from storage.languages import eu_languages, official_languages
from storage.models import AuditEntry, Expert
from tests.conftest import Chat
from tests.delivery_helpers import make_expert

ADD = ('expert add name:"Eleni Georgiou" email:Eleni@Example.org country:GR languages:el,en '
       'topics:edp,clusters days:20 region:EL30 areas:"blue economy; tourism" regions:BG31')


def _experts(db: Database) -> list[Expert]:
    with db.read() as session:
        return list(session.scalars(select(Expert).order_by(Expert.id)))


def test_official_languages_come_from_cldr() -> None:
    assert official_languages("EL") == {"el"}
    assert official_languages("BE") == {"nl", "fr", "de"}
    languages = eu_languages()
    assert {"ga", "mt", "el", "bg", "hr"} <= set(languages)
    assert "ca" not in languages  # regional, not nationwide


def test_add_inline_stores_and_audits(chat: dict[str, Chat], db: Database) -> None:
    outcome = chat["sec"](ADD)
    assert outcome.reply.tone == "success", outcome.reply
    [expert] = _experts(db)
    assert expert.email == "eleni@example.org"
    assert expert.country_code == "EL"  # ISO GR is stored as NUTS EL
    assert expert.languages == ["el", "en"]
    assert expert.topics == ["edp", "clusters"]
    assert expert.priority_areas == ["blue economy", "tourism"]
    assert expert.regions_worked == ["BG31"]
    assert expert.status == "active"
    with db.read() as session:
        audit = session.scalar(select(AuditEntry).where(AuditEntry.entity == "expert"))
        assert audit is not None and audit.action == "add"
        assert audit.after is not None and audit.after["availability_days"] == 20


def test_add_refuses_bad_values_and_changes_nothing(chat: dict[str, Chat], db: Database) -> None:
    reply = chat["sec"]('expert add name:X email:not-an-email country:GR languages:xx '
                        'topics:magic days:200').reply
    assert reply.tone == "error"
    message = reply.text[0]
    for expected in ("not an email", "xx", "magic", "between 0 and 92"):
        assert expected in message
    assert reply.context and reply.context[0].startswith("Usage: expert add")
    assert _experts(db) == []


def test_add_refuses_a_home_region_outside_the_country(chat: dict[str, Chat]) -> None:
    reply = chat["sec"]("expert add name:A email:a@b.org country:BG region:EL51 languages:bg "
                        "topics:edp days:5").reply
    assert reply.tone == "error" and "EL51 is not in BG" in reply.text[0]


def test_add_refuses_a_known_email(chat: dict[str, Chat]) -> None:
    chat["sec"](ADD)
    reply = chat["sec"](ADD).reply
    assert reply.tone == "error" and "already in the expert database" in reply.text[0]


def test_add_without_details_opens_the_form(chat: dict[str, Chat]) -> None:
    outcome = chat["sec"]("expert add")
    assert outcome.opens_form
    form = outcome.reply.form
    assert form is not None and form.submit_command == "expert add"
    keys = {i.key: i for i in form.inputs}
    assert keys["languages"].kind == "multi_choice"
    assert ("el", "Modern Greek (el)") in keys["languages"].choices


def test_form_errors_land_on_the_wrong_input(chat: dict[str, Chat], db: Database) -> None:
    form = {"name": "Ion Popescu", "email": "ion@example.ro", "country": "RO",
            "languages": ["ro", "en"], "topics": ["foresight"], "days": "abc"}
    outcome = chat["sec"]("expert add", form=form)
    assert outcome.opens_form and outcome.reply.form is not None
    errors = {i.key: i.error for i in outcome.reply.form.inputs if i.error}
    assert list(errors) == ["days"]
    assert {i.key: i.value for i in outcome.reply.form.inputs}["name"] == "Ion Popescu"
    assert _experts(db) == []
    outcome = chat["sec"]("expert add", form={**form, "days": "12"})
    assert outcome.reply.tone == "success"
    [expert] = _experts(db)
    assert expert.languages == ["ro", "en"] and expert.availability_days == 12


def test_set_show_and_person_link(chat: dict[str, Chat], db: Database,
                                  people: dict[str, int]) -> None:
    chat["sec"](ADD)
    assert chat["sec"]('expert set "eleni georgiou" days 8').reply.tone == "success"
    assert chat["sec"]("expert set Eleni status paused").reply.tone == "success"
    assert chat["sec"]("expert set eleni@example.org person @eva").reply.tone == "success"
    bad = chat["sec"]("expert set Eleni languages klingon").reply
    assert bad.tone == "error" and "klingon" in bad.text[0]
    [expert] = _experts(db)
    assert (expert.availability_days, expert.status) == (8, "paused")
    assert expert.person_id == people["eva"]
    card = chat["sec"]("expert show Eleni Georgiou").reply
    facts = {f.label: f.value for f in card.facts}
    assert facts["Days a quarter"] == "8" and facts["Chat identity"] == "eva"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "set")) == 3


def _names(chat: Chat, text: str) -> list[str]:
    table = chat(text).reply.table
    assert table is not None, text
    return [row[0] for row in table.rows]


def test_list_filters(chat: dict[str, Chat], db: Database) -> None:
    with db.transaction() as session:
        make_expert(session, "Ana", country_code="RO", languages=["ro"], topics=["foresight"])
        make_expert(session, "Bo", country_code="SE", languages=["sv", "en"],
                    topics=["edp", "clusters"])
        make_expert(session, "Cy", country_code="EL", languages=["el"], topics=["edp"],
                    status="paused")
    sec = chat["sec"]
    assert _names(sec, "experts") == ["Ana", "Bo", "Cy"]
    assert _names(sec, "experts topic:edp") == ["Bo", "Cy"]
    assert _names(sec, "experts language:en") == ["Bo"]
    assert _names(sec, "experts country:GR") == ["Cy"]
    assert _names(sec, "experts status:active topic:edp") == ["Bo"]
    assert chat["sec"]("experts topic:education").reply.table is None
    assert chat["sec"]("experts colour:red").reply.tone == "error"
    assert chat["obs"]("experts").reply.tone == "error"


def test_list_pages(db: Database, chat: dict[str, Chat]) -> None:
    with db.transaction() as session:
        for i in range(25):
            make_expert(session, f"Expert {i:02d}")
    first = chat["sec"]("experts").reply
    assert first.pager is not None and (first.pager.pages, first.pager.total) == (2, 25)
    assert first.pager.next_command == "experts page:2"
    second = chat["sec"]("experts page:2").reply
    assert second.table is not None and len(second.table.rows) == 5
    assert chat["sec"]("experts page:3").reply.tone == "error"


HEADER = ("name,email,country,region_code,languages,topics,priority_areas,regions_worked,"
          "availability_days,status,conflict_regions,conflict_organisations\n")
GOOD_CSV = HEADER + (
    "Eleni Georgiou,eleni@example.org,EL,EL30,el;en,edp;clusters,blue economy,BG31,20,,,\n"
    "Ion Popescu,ion@example.ro,RO,,ro;en,foresight,,,12,paused,RO21,Agentia Nord-Est\n"
)


def test_import_writes_every_row(db: Database) -> None:
    with db.transaction() as session:
        assert import_experts(session, GOOD_CSV) == []
    experts = _experts(db)
    assert [e.name for e in experts] == ["Eleni Georgiou", "Ion Popescu"]
    assert experts[1].conflict_regions == ["RO21"]
    assert experts[1].conflict_organisations == ["Agentia Nord-Est"]
    assert experts[1].status == "paused" and experts[0].status == "active"
    with db.read() as session:
        sources = set(session.scalars(select(AuditEntry.source)))
    assert sources == {"cli:import"}


def test_import_is_all_or_nothing_with_every_problem_by_line(db: Database) -> None:
    bad = GOOD_CSV + (
        "Bad Row,broken,XX,,zz,edp,,,5,,,\n"
        "Eleni Again,eleni@example.org,EL,,el,edp,,,5,,,\n"
    )
    with db.transaction() as session:
        problems = import_experts(session, bad)
    assert any(p.startswith("line 4:") and "not an email" in p for p in problems)
    assert any(p.startswith("line 4:") and "XX" in p for p in problems)
    assert any(p.startswith("line 4:") and "zz" in p for p in problems)
    assert any(p.startswith("line 5:") and "also on line 2" in p for p in problems)
    assert _experts(db) == []


def test_import_header_problems_and_update_by_email(db: Database) -> None:
    with db.transaction() as session:
        problems = import_experts(session, "name,mail\nA,a@b.org\n")
    assert "line 1: unknown column `mail`" in problems
    assert "line 1: missing column `email`" in problems
    with db.transaction() as session:
        assert import_experts(session, GOOD_CSV) == []
    again = GOOD_CSV.replace("ion@example.ro,RO,,ro;en,foresight,,,12,paused",
                             "ion@example.ro,RO,,ro;en,foresight,,,30,")
    with db.transaction() as session:
        assert import_experts(session, again) == []
    ion = _experts(db)[1]
    assert len(_experts(db)) == 2
    assert ion.availability_days == 30 and ion.status == "paused"  # status kept when blank
