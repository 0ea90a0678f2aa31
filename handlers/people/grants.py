"""Granting roles from outside chat: the operator's `s3desk grant` and the console's first person.

Chat has its own `role` command; this is the way in before anyone holds a role, so it
writes the same audit row a chat change would, with the source it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pycountry
from sqlalchemy.orm import Session

from handlers.core.actors import ensure_person, find_identity, set_role
from storage.models import PLATFORMS, ROLES, AuditEntry
from storage.regions import iso_country, nuts_country


class GrantError(ValueError):
    """The grant cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class Granted:
    person_id: int
    name: str
    roles_before: frozenset[str]
    roles_after: frozenset[str]
    created: bool


def normalise_country(text: str) -> str:
    """An ISO or NUTS country code as the store keeps it (NUTS: Greece is EL)."""
    code = text.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=iso_country(code)) is None:
        raise GrantError(f"`{text}` is not a two-letter country code (like BE, EL, PT)")
    return nuts_country(code)


def grant_role(
    session: Session,
    *,
    platform: str,
    user_id: str,
    role: str,
    now: datetime,
    source: str,
    name: str | None = None,
    email: str | None = None,
    country: str | None = None,
) -> Granted:
    """Create or update the person behind a platform identity and give them `role`."""
    if platform not in PLATFORMS:
        raise GrantError(f"unknown platform `{platform}`; use one of {', '.join(PLATFORMS)}")
    if role not in ROLES:
        raise GrantError(f"unknown role `{role}`; use one of {', '.join(ROLES)}")
    user_id = user_id.strip()
    if not user_id or len(user_id) > 200 or any(ch.isspace() for ch in user_id):
        raise GrantError("give the user id the platform knows the person by (one word)")
    if email is not None and ("@" not in email or len(email) > 320 or " " in email.strip()):
        raise GrantError(f"`{email}` is not an email address")
    country_code = normalise_country(country) if country else None
    created = find_identity(session, platform, user_id) is None
    person = ensure_person(session, platform, user_id, name=name)
    details_before = {"name": person.name, "email": person.email, "country": person.country_code}
    if name:
        person.name = name.strip()
    if email:
        person.email = email.strip()
    if country_code:
        person.country_code = country_code
    before, after = set_role(person, role)
    session.flush()
    session.add(AuditEntry(
        at=now, actor_id=None, entity="person", entity_id=str(person.id),
        action="create" if created else "grant",
        before=None if created else {**details_before, "roles": sorted(before)},
        after={"name": person.name, "email": person.email, "country": person.country_code,
               "roles": sorted(after), "identity": f"{platform}:{user_id}"},
        source=source,
    ))
    return Granted(person.id, person.name, before, after, created)
