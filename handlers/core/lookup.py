"""Finding the things commands name: applications by reference, people by mention or name."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from handlers.core.errors import CommandError, NotFound
from handlers.core.mentions import read_mention
from storage.models import Application, Identity, Person

REF_PATTERN = re.compile(r"^TA-(\d{4})-(\d{4})$", re.I)
# most commands name a case: built once, run with the reference as a parameter
_BY_REF = select(Application).where(Application.ref == bindparam("ref"))
_BY_REF_LOCKED = _BY_REF.with_for_update(of=Application)


def normalise_ref(text: str) -> str:
    ref = text.strip().upper()
    if not REF_PATTERN.match(ref):
        raise CommandError(f"`{text}` is not an application reference (like TA-2026-0007)")
    return ref


def get_application(session: Session, text: str, *, for_update: bool = False) -> Application:
    ref = normalise_ref(text)
    app = session.scalar(_BY_REF_LOCKED if for_update else _BY_REF, {"ref": ref})
    if app is None:
        raise NotFound(f"No application `{ref}`.")
    return app


def find_person(session: Session, text: str, platform: str) -> Person:
    """A person named by a mention on `platform`, `@name`, an email or a full name."""
    word = text.strip()
    mentioned = read_mention(word)
    if mentioned:
        identity = session.scalar(
            select(Identity).where(Identity.platform == platform,
                                   Identity.platform_user_id == mentioned.user_id)
        )
        if identity is None:
            who = mentioned.label or mentioned.user_id
            raise NotFound(f"{who} is not registered with S3 Desk.")
        return identity.person
    name = word.removeprefix("@")
    identity = session.scalar(
        select(Identity).where(Identity.platform == platform, Identity.platform_user_id == name)
    )
    if identity is not None:
        return identity.person
    matches = list(
        session.scalars(
            select(Person).where(
                (func.lower(Person.name) == name.lower())
                | (func.lower(Person.email) == name.lower())
            ).limit(2)
        )
    )
    if not matches:
        raise NotFound(f"Nobody called `{name}` is registered with S3 Desk.")
    if len(matches) > 1:
        raise CommandError(f"More than one person is called `{name}`: use their email.")
    return matches[0]
