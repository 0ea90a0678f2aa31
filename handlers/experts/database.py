"""The expert database: `experts`, `expert add`, `expert set`, `expert show`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import find_person
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Fact, Outcome, Pager, Table
from handlers.experts.fields import (
    FIELDS,
    check_home_region,
    complete_new,
    field_for,
    read_fields,
    show_value,
    snapshot,
)
from handlers.experts.form import expert_form
from handlers.experts.queries import commitments, days_left, find_expert, list_contains
from storage.models import Application, Assignment, Expert, Person
from storage.regions import nuts_country

commands = Commands()

LIST_USAGE = "experts [topic:T] [language:L] [country:CC] [status:active|paused] [page:N]"
ADD_USAGE = ('expert add name:"Full Name" email:ADDRESS country:CC languages:el,en '
             "topics:edp,clusters days:N [region:NUTS2] [areas:\"...\"] [regions:EL51,BG31] "
             "[conflict_regions:...] [conflict_orgs:\"...\"] [status:active|paused] [person:@who]")
SET_USAGE = "expert set NAME FIELD VALUE (fields: " + ", ".join(f.key for f in FIELDS) + ", person)"


@commands.command("experts", usage=LIST_USAGE, summary="the expert database",
                  roles=SECRETARIAT)
def list_experts(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"topic", "language", "country", "status", "page"}, max_positional=0)
    stmt = select(Expert)
    filters = {k: v.strip() for k, v in args.options.items() if k != "page"}
    if "topic" in filters:
        stmt = stmt.where(list_contains(ctx.session, Expert.topics, filters["topic"].lower()))
    if "language" in filters:
        stmt = stmt.where(
            list_contains(ctx.session, Expert.languages, filters["language"].lower()))
    if "country" in filters:
        stmt = stmt.where(Expert.country_code == nuts_country(filters["country"]))
    if "status" in filters:
        stmt = stmt.where(Expert.status == filters["status"].lower())
    total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    size = ctx.config.page_size
    pages = max(1, -(-total // size))
    page = _page(args.options.get("page"), pages)
    experts = list(ctx.session.scalars(
        stmt.order_by(func.lower(Expert.name), Expert.id).offset((page - 1) * size).limit(size)))
    load = commitments(ctx.session, [e.id for e in experts])
    rows = tuple(
        (e.name, e.country_code, ",".join(e.languages), ",".join(e.topics),
         str(days_left(e, load.get(e.id))), str(load[e.id].assignments if e.id in load else 0),
         e.status)
        for e in experts
    )
    base = "experts " + " ".join(f"{k}:{v}" for k, v in filters.items())
    pager = Pager(page, pages, total,
                  f"{base.strip()} page:{page - 1}" if page > 1 else None,
                  f"{base.strip()} page:{page + 1}" if page < pages else None)
    columns = ("Expert", "Country", "Languages", "Topics", "Days left", "Active", "Status")
    return Outcome(Card(
        title=f"Experts ({total})",
        table=Table(columns, rows) if rows else None,
        text=() if rows else ("No expert matches these filters.",),
        pager=pager,
    ))


def _page(raw: str | None, pages: int) -> int:
    if raw is None:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        raise CommandError(f"page must be a number from 1 to {pages}")
    return int(raw)


@commands.command("expert add", usage=ADD_USAGE, summary="add an expert (a form without details)",
                  roles=SECRETARIAT, writes=True)
def add_expert(ctx: Context, args: Args) -> Outcome:
    form = ctx.request.form
    if form is None and not args.options:
        args.expect(max_positional=0)
        return Outcome(Card(title="Add an expert", form=expert_form()), opens_form=True)
    if form is not None:
        raw = {k: _form_text(v) for k, v in form.items() if _form_text(v)}
    else:
        args.expect(options={f.key for f in FIELDS} | {"person"}, max_positional=0)
        raw = dict(args.options)
    person_text = raw.pop("person", None)
    values, errors = read_fields(ctx.session, raw)
    complete_new(values, errors)
    if values.get("email") and _email_taken(ctx, values["email"], None):
        errors["email"] = f"Email: {values['email']} is already in the expert database"
    if person_text:
        try:
            values["person_id"] = find_person(ctx.session, person_text, ctx.actor.platform).id
        except CommandError as exc:
            errors["person"] = f"Chat identity: {exc}"
    if errors:
        if form is not None:
            card = Card(title="Add an expert", form=expert_form(raw, errors), tone="error",
                        text=tuple(errors.values()))
            return Outcome(card, opens_form=True)
        raise CommandError("; ".join(errors.values()))
    expert = Expert(**values)
    ctx.session.add(expert)
    ctx.session.flush()
    ctx.audit("expert", expert.id, "add", None, snapshot(expert))
    return Outcome(expert_card(ctx, expert, title=f"Expert added: {expert.name}"))


def _form_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value if v)
    return "" if value is None else str(value).strip()


def _email_taken(ctx: Context, email: str, expert_id: int | None) -> bool:
    stmt = select(Expert.id).where(func.lower(Expert.email) == email.lower())
    if expert_id is not None:
        stmt = stmt.where(Expert.id != expert_id)
    return ctx.session.scalar(stmt.limit(1)) is not None


@commands.command("expert set", usage=SET_USAGE, summary="change one field of an expert",
                  roles=SECRETARIAT, writes=True)
def set_expert(ctx: Context, args: Args) -> Outcome:
    if len(args.positional) < 2:
        raise CommandError("Say which expert, which field and the new value.")
    expert = find_expert(ctx.session, args.positional[0])
    key, value = args.positional[1], args.rest(2)
    before = snapshot(expert)
    if key.lower() == "person":
        expert.person_id = None if value.strip().lower() in ("", "none", "-") else find_person(
            ctx.session, value, ctx.actor.platform).id
    else:
        spec = field_for(key)
        if spec is None:
            raise CommandError(f"`{key}` is not an expert field.")
        if not value and spec.required:
            raise CommandError(f"Give the new {spec.label.lower()}.")
        values, errors = read_fields(ctx.session, {spec.key: value})
        merged = {"region_code": expert.region_code, "country_code": expert.country_code,
                  **values}
        check_home_region(merged, errors)
        if spec.key == "email" and not errors and _email_taken(ctx, values["email"], expert.id):
            errors["email"] = f"Email: {values['email']} belongs to another expert"
        if errors:
            raise CommandError("; ".join(errors.values()))
        setattr(expert, spec.attribute, values[spec.attribute])
    ctx.audit("expert", expert.id, "set", before, snapshot(expert))
    return Outcome(expert_card(ctx, expert, title=f"Expert updated: {expert.name}"))


@commands.command("expert show", usage="expert show NAME", summary="one expert's record and load",
                  roles=SECRETARIAT)
def show_expert(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=None)
    if not args.positional:
        raise CommandError("Name the expert (their name or email).")
    return Outcome(expert_card(ctx, find_expert(ctx.session, " ".join(args.positional))))


def expert_card(ctx: Context, expert: Expert, title: str | None = None) -> Card:
    load = commitments(ctx.session, [expert.id]).get(expert.id)
    facts = [Fact(spec.label, show_value(getattr(expert, spec.attribute))) for spec in FIELDS]
    if expert.person_id is not None:
        person = ctx.session.get(Person, expert.person_id)
        facts.append(Fact("Chat identity", person.name if person else "—"))
    facts.append(Fact("Days left this quarter", str(days_left(expert, load))))
    facts.append(Fact("Active assignments", str(load.assignments if load else 0)))
    refs = ctx.session.execute(
        select(Application.ref, Application.status)
        .join(Assignment, Assignment.application_id == Application.id)
        .where(Assignment.expert_id == expert.id).order_by(Application.ref).limit(20)
    ).all()
    text = ("Assignments: " + ", ".join(f"{r} ({s})" for r, s in refs),) if refs else ()
    buttons = tuple(Button(f"Show {r}", f"show {r}") for r, _ in refs[:3])
    return Card(title=title or f"Expert: {expert.name}", facts=tuple(facts), text=text,
                buttons=buttons, tone="success" if title else "info")
