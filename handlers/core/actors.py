"""Who is asking: chat identities resolved to people and their roles."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from handlers.core.types import Actor
from storage.db import core_rows
from storage.models import ROLES, Identity, Person, PersonRole

# Every command pays for this statement: built once, compiled once, run with new values.
_ACTOR = (
    select(Identity.person_id, Person.name, PersonRole.role)
    .join(Person, Person.id == Identity.person_id)
    .outerjoin(PersonRole, PersonRole.person_id == Identity.person_id)
    .where(Identity.platform == bindparam("platform"),
           Identity.platform_user_id == bindparam("user_id"))
)


def resolve_actor(
    session: Session, platform: str, user_id: str, display_name: str = ""
) -> Actor:
    """The verified platform identity as an Actor; strangers get no person and no roles.

    One statement: every command pays for it.
    """
    rows = core_rows(session, _ACTOR, {"platform": platform, "user_id": user_id})
    if not rows:
        return Actor(platform=platform, user_id=user_id, display_name=display_name)
    roles = frozenset(row.role for row in rows if row.role is not None)
    return Actor(platform, user_id, display_name or rows[0].name, rows[0].person_id, roles)


def find_identity(session: Session, platform: str, user_id: str) -> Identity | None:
    return session.scalar(
        select(Identity)
        .options(selectinload(Identity.person).selectinload(Person.roles))
        .where(Identity.platform == platform, Identity.platform_user_id == user_id)
    )


def ensure_person(
    session: Session,
    platform: str,
    user_id: str,
    *,
    name: str | None = None,
    tenant_id: str | None = None,
) -> Person:
    """The person behind a chat identity, created (with that identity) if new."""
    identity = find_identity(session, platform, user_id)
    if identity is not None:
        if name and identity.person.name == user_id:
            identity.person.name = name
        return identity.person
    person = Person(name=name or user_id)
    person.identities.append(
        Identity(platform=platform, platform_user_id=user_id, tenant_id=tenant_id,
                 display_name=name)
    )
    session.add(person)
    session.flush()
    return person


def set_role(person: Person, role: str) -> tuple[frozenset[str], frozenset[str]]:
    """Give `role` (or `none` to revoke all); returns the roles before and after."""
    before = person.role_names
    if role == "none":
        person.roles.clear()
    elif role not in ROLES:
        raise ValueError(f"unknown role `{role}`; use one of {', '.join(ROLES)} or none")
    elif role not in before:
        person.roles.append(PersonRole(role=role))
    return before, person.role_names
