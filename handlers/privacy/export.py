"""Everything S3 Desk holds about one person, as JSON (a subject access request)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from handlers.experts.fields import snapshot
from storage.models import (
    Application,
    AuditEntry,
    Cutoff,
    Expert,
    Letter,
    Note,
    Person,
    Score,
)

LIST_LIMIT = 100
# Past this the audit entries lose their before/after to keep the reply readable.
MAX_JSON_CHARS = 40_000


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_person(session: Session, email: str) -> dict[str, Any]:
    address = email.strip().lower()
    apps = session.execute(
        select(Application, Cutoff.date).join(Cutoff, Cutoff.id == Application.cutoff_id)
        .where(func.lower(Application.contact_email) == address)
        .order_by(Application.ref).limit(LIST_LIMIT)).all()
    experts = list(session.scalars(
        select(Expert).where(func.lower(Expert.email) == address).limit(LIST_LIMIT)))
    linked = {e.person_id for e in experts if e.person_id is not None}
    people = list(session.scalars(select(Person).where(
        or_(func.lower(Person.email) == address, Person.id.in_(linked))).order_by(Person.id)))
    person_ids = [p.id for p in people]
    data: dict[str, Any] = {
        "subject": address,
        "applications": [{
            "ref": a.ref, "region_code": a.region_code, "country_code": a.country_code,
            "applicant_organisation": a.applicant_organisation, "contact_name": a.contact_name,
            "contact_email": a.contact_email, "topic": a.topic, "challenges": a.challenges,
            "needs": a.needs, "status": a.status, "cutoff": _iso(cutoff),
            "language": a.language, "submitted_at": _iso(a.submitted_at)} for a, cutoff in apps],
        "letters": _letters(session, [a.id for a, _ in apps]),
        "experts": [{"id": e.id, **snapshot(e), "created_at": _iso(e.created_at)}
                    for e in experts],
        "people": [{
            "id": p.id, "name": p.name, "email": p.email, "country_code": p.country_code,
            "created_at": _iso(p.created_at), "roles": sorted(p.role_names),
            "identities": [{"platform": i.platform, "user_id": i.platform_user_id,
                            "display_name": i.display_name, "created_at": _iso(i.created_at)}
                           for i in p.identities]} for p in people],
        "notes_written": _notes(session, person_ids),
        "scores_given": _scores(session, person_ids),
        "audit": _audit(session, person_ids, [e.id for e in experts]),
    }
    if len(json.dumps(data, ensure_ascii=False)) > MAX_JSON_CHARS:
        for row in data["audit"]:
            row.pop("before", None)
            row.pop("after", None)
        data["audit_note"] = "before/after left out for size; ask for a full export file"
    return data


def _letters(session: Session, app_ids: list[int]) -> list[dict[str, Any]]:
    """The letters written to the person, with when each was e-mailed."""
    rows = session.execute(
        select(Application.ref, Letter).join(Letter, Letter.application_id == Application.id)
        .where(Application.id.in_(app_ids)).order_by(Application.ref, Letter.id))
    return [{"ref": ref, "kind": letter.kind, "outcome": letter.outcome,
             "language": letter.language, "subject": letter.subject, "body": letter.body,
             "message_id": letter.message_id, "sent_at": _iso(letter.sent_at)}
            for ref, letter in rows]


def _notes(session: Session, person_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Application.ref, Note.text, Note.created_at)
        .join(Application, Application.id == Note.application_id)
        .where(Note.author_id.in_(person_ids)).order_by(Note.id.desc()).limit(LIST_LIMIT))
    return [{"ref": r, "text": t, "created_at": _iso(at)} for r, t, at in rows]


def _scores(session: Session, person_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Application.ref, Score.values, Score.comment, Score.submitted_at)
        .join(Application, Application.id == Score.application_id)
        .where(Score.person_id.in_(person_ids)).order_by(Score.id.desc()).limit(LIST_LIMIT))
    return [{"ref": r, "values": v, "comment": c, "submitted_at": _iso(at)}
            for r, v, c, at in rows]


def _audit(session: Session, person_ids: list[int], expert_ids: list[int]) -> list[dict[str, Any]]:
    about: list[ColumnElement[bool]] = [AuditEntry.actor_id.in_(person_ids)]
    if person_ids:
        about.append(and_(AuditEntry.entity.in_(("person", "people", "identity", "role")),
                          AuditEntry.entity_id.in_([str(i) for i in person_ids])))
    if expert_ids:
        about.append(and_(AuditEntry.entity == "expert",
                          AuditEntry.entity_id.in_([str(i) for i in expert_ids])))
    rows = session.scalars(select(AuditEntry).where(or_(*about))
                           .order_by(AuditEntry.id.desc()).limit(LIST_LIMIT))
    return [{"at": _iso(r.at), "actor_id": r.actor_id, "entity": r.entity,
             "entity_id": r.entity_id, "action": r.action, "before": r.before,
             "after": r.after, "source": r.source} for r in rows]

