"""How to reach a place or a person later: the conversation references a platform hands us.

Teams can post on its own only into a conversation it has a reference for (service URL,
conversation id, bot account). The edge hands references over as plain JSON; these
functions keep them on the registered place, on the person's identity (their one-to-one
chat), or per tenant from an install, and give them back to the sender. They are delivery
addresses, not programme data, so changing one writes no audit row (a person's name taken
from the platform does).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry, Identity, Place, Setting

Reference = dict[str, Any]
INSTALL_KEY = "{platform}.reference:{tenant}"


def remember_person_chat(
    session: Session,
    platform: str,
    user_id: str,
    *,
    tenant_id: str | None = None,
    reference: Reference | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Keep the tenant and one-to-one chat of a registered identity; False for strangers.

    A person registered by their platform id alone (`s3desk grant --user <id>`) takes the
    name the platform shows for them, so threads and lists name them properly."""
    identity = session.scalar(
        select(Identity).where(Identity.platform == platform,
                               Identity.platform_user_id == user_id)
    )
    if identity is None:
        return False
    if tenant_id and identity.tenant_id != tenant_id:
        identity.tenant_id = tenant_id
    if reference is not None and identity.conversation_ref != reference:
        identity.conversation_ref = reference
    name = (display_name or "").strip()[:200]
    if name and identity.display_name != name:
        identity.display_name = name
    person = identity.person
    if name and person.name == user_id and now is not None:
        person.name = name
        session.add(AuditEntry(at=now, actor_id=person.id, entity="person",
                               entity_id=str(person.id), action="name",
                               before={"name": user_id}, after={"name": name},
                               source=f"{platform}:profile"))
    return True


def remember_place(session: Session, platform: str, channel_id: str, reference: Reference) -> int:
    """Refresh the reference of every place registered in this channel; how many there were."""
    places = session.scalars(
        select(Place).where(Place.platform == platform, Place.channel_id == channel_id)
    ).all()
    for place in places:
        if place.conversation_ref != reference:
            place.conversation_ref = reference
    return len(places)


def remember_install(session: Session, platform: str, tenant_id: str | None,
                     reference: Reference) -> None:
    """Where the app was installed last in a tenant: the way in for a first direct message."""
    key = INSTALL_KEY.format(platform=platform, tenant=tenant_id or "-")
    value = json.dumps(reference, sort_keys=True)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    elif row.value != value:
        row.value = value


def place_reference(session: Session, platform: str, channel_id: str) -> Reference | None:
    # JSON columns may hold a JSON null rather than SQL NULL: filter here, not in SQL.
    references = session.scalars(
        select(Place.conversation_ref)
        .where(Place.platform == platform, Place.channel_id == channel_id)
        .order_by(Place.id.desc())
    )
    return next((r for r in references if r), None)


def person_reach(session: Session, platform: str, user_id: str
                 ) -> tuple[Reference | None, str | None] | None:
    """(one-to-one chat reference, tenant) of a registered identity; None if unknown."""
    row = session.execute(
        select(Identity.conversation_ref, Identity.tenant_id)
        .where(Identity.platform == platform, Identity.platform_user_id == user_id)
    ).first()
    return None if row is None else (row[0], row[1])


def any_reference(session: Session, platform: str, tenant_id: str | None = None
                  ) -> Reference | None:
    """Some reference in this tenant (install, place or person): its service URL and bot."""
    key = INSTALL_KEY.format(platform=platform, tenant=tenant_id or "-")
    row = session.get(Setting, key)
    if row is not None:
        return dict(json.loads(row.value))
    candidates = [
        *session.scalars(select(Place.conversation_ref).where(Place.platform == platform)
                         .order_by(Place.id.desc()).limit(50)),
        *session.scalars(select(Identity.conversation_ref).where(Identity.platform == platform)
                         .order_by(Identity.id.desc()).limit(50)),
    ]
    for reference in candidates:
        if reference and (tenant_id is None or _tenant(reference) in (None, tenant_id)):
            found: dict[str, Any] = reference
            return found
    return None


def _tenant(reference: Reference) -> str | None:
    conversation = reference.get("conversation") or {}
    return conversation.get("tenantId") or conversation.get("tenantID")
