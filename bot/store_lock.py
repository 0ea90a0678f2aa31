"""One server process per SQLite store: an exclusive lock on a file beside the database.

SQLite has neither SKIP LOCKED nor advisory locks, so two servers on one file would both
claim the outbox and both run the scheduler's singleton work. The lock is the kernel's
(`flock`): it goes with the process however the process ends, and a stale lock file left on
disk blocks nobody. The file only names the holder, for the refusal message. PostgreSQL
stores need no lock: replicas share the work there by design.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from storage.db import Database

LOCK_SUFFIX = ".lock"


class StoreInUse(SystemExit):
    """Another server holds the store; a SystemExit, so the command ends with the message."""

    def __init__(self, message: str) -> None:
        super().__init__(f"s3desk: {message}")
        self.message = message


class StoreLock:
    """Held from start-up to shutdown; `release` is safe to call more than once."""

    def __init__(self, handle: IO[str] | None = None) -> None:
        self._handle = handle

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the flock
            self._handle = None


def sqlite_file(db: Database) -> Path | None:
    """The store's database file, or None for PostgreSQL and in-memory SQLite."""
    if not db.is_sqlite:
        return None
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        return None
    return Path(name).resolve()


def lock_store(db: Database, command: str = "s3desk serve") -> StoreLock:
    """Take the store for this process, or raise StoreInUse naming the process that has it."""
    path = sqlite_file(db)
    if path is None:
        return StoreLock()
    lock_path = path.with_name(path.name + LOCK_SUFFIX)
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreInUse(
            f"the SQLite store {path} is already in use by {holder}. A SQLite store serves "
            f"one server process: stop the other one before starting {command}, or move to "
            "PostgreSQL (DATABASE_URL=postgresql+psycopg://...) to run several.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{command} (process {os.getpid()})\n")
    handle.flush()
    return StoreLock(handle)
