"""Everything S3 Desk holds about one person, as JSON (a subject access request).

The person is found as the erasure finds them (`handlers.privacy.history`): under every
name and address they had. Their cases come with the letters written to them, the notes
and the audit rows about those cases.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from handlers.experts.fields import snapshot
from handlers.privacy.history import find_subject
from storage.models import ApplicantNotification, Application, AuditEntry, Letter, Note, Score

LIST_LIMIT = 100
# Past this the audit entries lose their before/after to keep the reply readable.
MAX_JSON_CHARS = 40_000


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_person(session: Session, email: str) -> dict[str, Any]:
    subject = find_subject(session, email)
    apps = sorted(subject.applications.values(), key=lambda a: a.ref)[:LIST_LIMIT]
    experts = sorted(subject.experts.values(), key=lambda e: e.id)[:LIST_LIMIT]
    people = sorted(subject.people.values(), key=lambda p: p.id)
    person_ids = [p.id for p in people]
    data: dict[str, Any] = {
        "subject": email.strip().lower(),
        "known_as": {"names": sorted(subject.names), "addresses": sorted(subject.addresses)},
        "applications": [{
            "ref": a.ref, "region_code": a.region_code, "country_code": a.country_code,
            "applicant_organisation": a.applicant_organisation, "contact_name": a.contact_name,
            "contact_email": a.contact_email, "topic": a.topic, "challenges": a.challenges,
            "needs": a.needs, "status": a.status, "cutoff": _iso(a.cutoff.date),
            "language": a.language, "submitted_at": _iso(a.submitted_at)} for a in apps],
        "letters": _letters(session, apps),
        "notes": _case_notes(session, apps),
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
        "audit": _audit(session, person_ids, [e.id for e in experts], apps),
    }
    if len(json.dumps(data, ensure_ascii=False)) > MAX_JSON_CHARS:
        for row in data["audit"]:
            row.pop("before", None)
            row.pop("after", None)
        data["audit_note"] = "before/after left out for size; ask for a full export file"
    return data


def _letters(session: Session, apps: list[Application]) -> list[dict[str, Any]]:
    """Every letter written to the person, each once: the letters kept per case (with their
    Message-ID when e-mailed), then decision letters drafted for sending another way."""
    refs = {a.id: a.ref for a in apps}
    kept = session.scalars(select(Letter).where(Letter.application_id.in_(refs))
                           .order_by(Letter.application_id, Letter.id))
    rows = [{"ref": refs[k.application_id], "kind": k.kind, "outcome": k.outcome,
             "language": k.language, "subject": k.subject, "body": k.body,
             "drafted_at": _iso(k.drafted_at), "message_id": k.message_id,
             "sent_at": _iso(k.sent_at)} for k in kept]
    seen = {(row["ref"], row["body"]) for row in rows}
    drafts = session.scalars(select(ApplicantNotification).where(
        ApplicantNotification.application_id.in_(refs)).order_by(ApplicantNotification.id))
    rows += [{"ref": refs[n.application_id], "kind": "decision", "outcome": n.outcome,
              "subject": n.subject, "body": n.body, "drafted_at": _iso(n.drafted_at),
              "sent_at": _iso(n.sent_at), "sent_how": n.sent_how}
             for n in drafts if (refs[n.application_id], n.body) not in seen]
    return rows


def _case_notes(session: Session, apps: list[Application]) -> list[dict[str, Any]]:
    refs = {a.id: a.ref for a in apps}
    rows = session.execute(
        select(Note.application_id, Note.text, Note.created_at)
        .where(Note.application_id.in_(refs)).order_by(Note.id.desc()).limit(LIST_LIMIT))
    return [{"ref": refs[i], "text": t, "created_at": _iso(at)} for i, t, at in rows]


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


def _audit(session: Session, person_ids: list[int], expert_ids: list[int],
           apps: list[Application]) -> list[dict[str, Any]]:
    """Rows the person wrote, and rows about them: their person and expert records, their
    cases and what hangs off a case (`TA-2026-0007:kickoff`)."""
    about: list[ColumnElement[bool]] = [AuditEntry.actor_id.in_(person_ids)]
    if person_ids:
        about.append(and_(AuditEntry.entity.in_(("person", "people", "identity", "role")),
                          AuditEntry.entity_id.in_([str(i) for i in person_ids])))
    if expert_ids:
        about.append(and_(AuditEntry.entity == "expert",
                          AuditEntry.entity_id.in_([str(i) for i in expert_ids])))
    if apps:
        about.append(AuditEntry.entity_id.in_([a.ref for a in apps]))
        about.append(and_(AuditEntry.entity == "application",
                          AuditEntry.entity_id.in_([str(a.id) for a in apps])))
        about += [AuditEntry.entity_id.startswith(f"{a.ref}:", autoescape=True) for a in apps]
    rows = session.scalars(select(AuditEntry).where(or_(*about))
                           .order_by(AuditEntry.id.desc()).limit(LIST_LIMIT))
    return [{"at": _iso(r.at), "actor_id": r.actor_id, "entity": r.entity,
             "entity_id": r.entity_id, "action": r.action, "before": r.before,
             "after": r.after, "source": r.source} for r in rows]
