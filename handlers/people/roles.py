"""`role @person ROLE`: the secretariat grants secretariat, evaluator or observer, or `none`
to revoke every role. The desk always keeps at least one secretariat member."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.actors import ensure_person, set_role
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import find_person
from handlers.core.mentions import read_mention
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Card, Fact, Notice, Outcome
from storage.models import ROLES, Person, PersonRole, Role

commands = Commands()

USAGE = "role @person secretariat|evaluator|observer|none"


def _person(ctx: Context, who: str) -> Person:
    """The person named; a platform mention of someone new creates them with that identity."""
    mentioned = read_mention(who)
    if mentioned:
        return ensure_person(ctx.session, ctx.actor.platform, mentioned.user_id,
                             name=mentioned.label or None)
    return find_person(ctx.session, who, ctx.actor.platform)


def _secretariat_count(session: Session) -> int:
    # Lock the secretariat rows first (PostgreSQL), so two members revoking each other at
    # the same moment cannot both pass the check; SQLite writers are serialised already.
    ids = list(session.scalars(
        select(PersonRole.id).where(PersonRole.role == Role.SECRETARIAT).with_for_update()
    ))
    return len(ids)


def _roles_text(roles: frozenset[str]) -> str:
    return ", ".join(sorted(roles)) or "none"


@commands.command("role", usage=USAGE, roles=SECRETARIAT, writes=True,
                  summary="give someone a role, or `none` to revoke their roles")
def role(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=2)
    if len(args.positional) < 2:
        raise CommandError("name the person and the role, e.g. `role @maria evaluator`")
    wanted = args.positional[1].strip().lower()
    if wanted not in (*ROLES, "none"):
        raise CommandError(f"unknown role `{wanted}`; use {', '.join(ROLES)} or none")
    person = _person(ctx, args.positional[0])
    if (wanted == "none" and Role.SECRETARIAT in person.role_names
            and _secretariat_count(ctx.session) <= 1):
        raise CommandError(f"{person.name} is the last secretariat member: give someone else "
                           "the secretariat role first", show_usage=False)
    before, after = set_role(person, wanted)
    if before == after:
        return Outcome(Card(title=f"{person.name}: nothing to change",
                            text=(f"Roles: {_roles_text(after)}.",)))
    ctx.session.flush()
    ctx.audit("person", person.id, "role", {"roles": sorted(before)}, {"roles": sorted(after)})
    notice = Notice(
        Audience("person", person_id=person.id),
        Card(title="S3 Desk: your roles changed",
             text=(f"Your roles are now: {_roles_text(after)}.",),
             context=("Type `help` to see what you may do.",)),
        key=f"role:{person.id}:{ctx.now.isoformat()}:{wanted}", kind="role",
    )
    return Outcome(
        Card(title=f"{person.name}: {_roles_text(after)}",
             facts=(Fact("Before", _roles_text(before)), Fact("Now", _roles_text(after))),
             tone="success"),
        notices=(notice,),
    )

