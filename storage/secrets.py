"""Random secrets the server makes for itself and keeps in the store, so that every replica
of `s3desk serve` signs and checks with the same one."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Setting

SECRET_BYTES = 32


def read_secret(session: Session, name: str) -> str | None:
    row = session.get(Setting, f"secret:{name}")
    return str(row.value) if row is not None else None


def stored_secret(session: Session, name: str, now: datetime) -> str:
    """The secret kept as `secret:<name>`, made on first use (insert-if-absent: two replicas
    asking at once end up with the same one)."""
    key = f"secret:{name}"
    found = read_secret(session, name)
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(Setting).values(key=key, value=secrets.token_hex(SECRET_BYTES),
                                           updated_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    session.expire_all()
    row = session.get(Setting, key)
    assert row is not None
    return str(row.value)
