"""`link`: one person behind several chat accounts (Slack, Teams, the console).

`link` typed by a registered person issues a one-time code; `link CODE` typed on another
platform (or account) within a quarter of an hour joins that account to the same person.
If the second account already belonged to a person of its own, the two are merged: every
row that points at the second person (identities, roles, assignments, scores, ...) moves
to the first, roles are united, and the second person is removed. The first person keeps
its name, email and country (blanks are filled from the second) unless told otherwise, and
every difference is reported. A merge that would put two rows where only one may be (both
accounts on the same case's panel) changes nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.core.audit import Audit
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import ANYONE, Commands
from handlers.core.types import Card, Fact, Outcome
from handlers.people.person_details import reconcile
from storage.models import Base, Identity, LinkCode, Person, PersonRole

commands = Commands()

USAGE = "link | link CODE [details:this]"
CODE_LIFETIME = timedelta(minutes=15)
# no 0/O, 1/I/L: a code is read on one screen and typed on another
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def identities_of(session: Session, person_id: int) -> list[str]:
    return [f"{i.platform}:{i.platform_user_id}" for i in session.scalars(
        select(Identity).where(Identity.person_id == person_id).order_by(Identity.id))]


def merge_people(session: Session, source_id: int, target_id: int, audit: Audit, *,
                 other: str = "the other account", prefer_other: bool = False) -> list[str]:
    """Move everything of `source` onto `target`, then remove `source`; what happened to the
    two people's details, in words. Raises CommandError (nothing changed) when a row could
    not move."""
    moved: dict[str, int] = {}
    try:
        with session.begin_nested():
            source_roles = set(session.scalars(
                select(PersonRole.role).where(PersonRole.person_id == source_id)))
            target_roles = set(session.scalars(
                select(PersonRole.role).where(PersonRole.person_id == target_id)))
            # read before the identities move over
            source_ids, target_ids = (_account_ids(session, source_id),
                                      _account_ids(session, target_id))
            for table in Base.metadata.sorted_tables:
                if table.name == PersonRole.__tablename__:
                    continue
                for fk in table.foreign_keys:
                    if fk.column.table.name != Person.__tablename__:
                        continue
                    column = fk.parent
                    result = session.execute(update(table).where(column == source_id)
                                             .values({column.name: target_id}))
                    count = int(getattr(result, "rowcount", 0) or 0)
                    if count:
                        moved[f"{table.name}.{column.name}"] = count
            for role in sorted(source_roles - target_roles):
                session.add(PersonRole(person_id=target_id, role=role))
            session.execute(delete(PersonRole).where(PersonRole.person_id == source_id))
            source = session.get(Person, source_id)
            target = session.get(Person, target_id)
            assert source is not None and target is not None
            details = reconcile(target, source, target_ids=target_ids, source_ids=source_ids,
                                other=other, prefer_other=prefer_other)
            session.execute(delete(Person).where(Person.id == source_id))
            session.flush()
    except IntegrityError as exc:
        raise CommandError(
            "These two accounts cannot be joined yet: both hold the same place somewhere "
            "(for example both are on the panel of one case). Ask the secretariat to remove "
            "one of them first.", show_usage=False) from exc
    session.expire_all()
    audit("person", target_id, "merge",
          {"merged_person": source_id, "roles": sorted(source_roles | target_roles),
           "details": details.before},
          {"moved": moved, "roles": sorted(source_roles | target_roles),
           "details": details.after})
    return details.lines


def _account_ids(session: Session, person_id: int) -> set[str]:
    return set(session.scalars(select(Identity.platform_user_id)
                               .where(Identity.person_id == person_id)))


def join_identity(session: Session, target_id: int, platform: str, user_id: str,
                  display_name: str, audit: Audit,
                  prefer_other: bool = False) -> tuple[str, list[str]]:
    """Attach `platform:user_id` to the person `target_id`: what happened, and what became
    of the two people's details when they were merged."""
    identity = session.scalar(select(Identity).where(Identity.platform == platform,
                                                     Identity.platform_user_id == user_id))
    before = identities_of(session, target_id)
    if identity is not None and identity.person_id == target_id:
        return "already joined", []
    details: list[str] = []
    if identity is None:
        session.add(Identity(person_id=target_id, platform=platform, platform_user_id=user_id,
                             display_name=display_name or None))
        session.flush()
        what = "joined"
    else:
        details = merge_people(session, identity.person_id, target_id, audit,
                               other=f"{platform}:{user_id}", prefer_other=prefer_other)
        what = "merged"
    audit("person", target_id, "link", {"identities": before},
          {"identities": identities_of(session, target_id)})
    return what, details


@commands.command("link", usage=USAGE, roles=ANYONE, writes=True,
                  summary="join your accounts on Slack, Teams and the console into one")
def link(ctx: Context, args: Args) -> Outcome:
    # a code read aloud or copied may arrive split in two: `K7M2 Q9XD`
    args.expect(options={"details"}, max_positional=2)
    if not args.positional:
        return Outcome(_issue(ctx))
    choice = args.options.get("details", "").strip().lower()
    if choice not in ("", "this"):
        raise CommandError("`details:this` keeps this account's name, email and country; "
                           "leave it out to keep those of the account that gave the code")
    code = normalise_code("".join(args.positional))
    row = ctx.session.scalar(select(LinkCode).where(LinkCode.code == code).with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        raise CommandError("This code is unknown, used or expired. Type `link` again on the "
                           "account you are registered with, for a new one.", show_usage=False)
    row.used_at = ctx.now
    actor = ctx.actor
    what, details = join_identity(ctx.session, row.person_id, actor.platform, actor.user_id,
                                  actor.display_name, ctx.audit, prefer_other=bool(choice))
    person = ctx.session.get(Person, row.person_id)
    assert person is not None
    roles = ", ".join(sorted(person.role_names)) or "none"
    text = {"already joined": "This account already belonged to you; nothing changed.",
            "joined": "This account is now yours too: same roles, same cases.",
            "merged": "Your two people are now one: their roles, cases and scores are "
                      "together."}[what]
    return Outcome(Card(title=f"Linked to {person.name}", text=(text, *details),
                        tone="success",
                        facts=(Fact("Accounts", ", ".join(identities_of(ctx.session,
                                                                         person.id))),
                               Fact("Roles", roles)),
                        context=_details_hint(details, bool(choice))))


def _details_hint(details: list[str], took_this: bool) -> tuple[str, ...]:
    if took_this or not any(line.startswith("kept ") for line in details):
        return ()
    return ("The account that gave the code kept its details. To keep this account's "
            "instead, link with `link CODE details:this` next time, or ask the secretariat.",)


def _issue(ctx: Context) -> Card:
    person_id = ctx.actor.person_id
    if person_id is None:
        raise CommandError("This account is not registered yet. Type `link` on the account "
                           "the secretariat registered, then `link CODE` here.",
                           show_usage=False)
    ctx.session.execute(delete(LinkCode).where(LinkCode.person_id == person_id,
                                               LinkCode.used_at.is_(None)))
    code = new_code()
    expires = ctx.now + CODE_LIFETIME
    ctx.session.add(LinkCode(code=code, person_id=person_id, expires_at=expires))
    # the code itself is a secret: the audit row records only that one was issued
    ctx.audit("person", person_id, "link code", None, {"expires_at": expires.isoformat()})
    local = expires.astimezone(ctx.config.timezone)
    return Card(title="Your link code", text=(code,), context=(
        f"On your other account, type `link {code}` to S3 Desk before "
        f"{local:%H:%M} ({ctx.config.timezone}). It works once.",
        "Keep it to yourself: whoever types it gets your roles."))


def link_accounts(session: Session, now: datetime, source: str, *, person_platform: str,
                  person_user: str, platform: str, user_id: str,
                  prefer_other: bool = False) -> tuple[str, list[str]]:
    """For the operator's CLI: join `platform:user_id` to the person behind the first one;
    what happened, and what became of the two people's details."""
    from handlers.core.audit import Auditor

    owner = session.scalar(select(Identity).where(Identity.platform == person_platform,
                                                  Identity.platform_user_id == person_user))
    if owner is None:
        raise CommandError(f"{person_platform}:{person_user} is not registered")
    audit = Auditor(session, now, None, source)
    return join_identity(session, owner.person_id, platform, user_id, "", audit, prefer_other)
