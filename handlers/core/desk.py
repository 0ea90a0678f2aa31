"""The one entry point every platform calls: text in, outcome out, in one transaction.

Parse, resolve who asks, check the role, run the handler, schedule its notices into the
outbox, and remember the platform's request id so a retry or replay changes nothing.
Every mistake becomes a clear reply with the usage line; nothing half-done is kept.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from handlers.core import fanout
from handlers.core.actors import resolve_actor
from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args, ParseError, tokenize
from handlers.core.registry import ANYONE, Command, Registry
from handlers.core.types import Card, Outcome, Request, Where, card_from_dict
from storage.db import Database
from storage.models import ProcessedEvent, table_of

log = logging.getLogger("s3desk.desk")

# The platform's request id of every write command, with its reply: built once, as every
# write pays for the insert.
_REMEMBER = insert(table_of(ProcessedEvent)).values(
    key=bindparam("key"), processed_at=bindparam("processed_at"), reply=bindparam("reply"))
_SEEN = select(ProcessedEvent.reply).where(ProcessedEvent.key == bindparam("key"))


@dataclass(frozen=True)
class Inbound:
    """A command as an adapter hands it over, identity already verified by the platform."""

    platform: str
    user_id: str
    text: str
    now: datetime
    display_name: str = ""
    where: Where | None = None
    source_id: str | None = None
    form: dict[str, Any] | None = None


class _Abort(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def error_card(message: str, usage: str | None = None) -> Card:
    context = (f"Usage: {usage}",) if usage else ("Type `help` to see what you may do.",)
    return Card(title="That did not work", text=(message,), context=context, tone="error")


class Desk:
    def __init__(self, db: Database, registry: Registry, config: ProgrammeConfig) -> None:
        self.db = db
        self.registry = registry
        self.config = config

    def handle(self, inbound: Inbound) -> Outcome:
        if inbound.now.tzinfo is None:
            raise ValueError("Inbound.now must be timezone-aware")
        if "\x00" in inbound.text:
            # PostgreSQL refuses NUL in text: answer here rather than fail in the store
            return Outcome(error_card("The command holds a NUL character; please type it "
                                      "again without it.", "help"))
        try:
            tokens = tokenize(inbound.text)
        except ParseError as exc:
            return Outcome(error_card(str(exc), "help"))
        words = [t.value for t in tokens]
        if not words:
            words, tokens = ["help"], []
        command, used = self.registry.lookup(words)
        if command is None:
            hint = self.registry.suggest(words[0])
            more = f" Did you mean {', '.join(f'`{h}`' for h in hint)}?" if hint else ""
            return Outcome(error_card(f"There is no command `{words[0]}`.{more}"))
        rest_start = tokens[used - 1].end if tokens else 0
        args_text = inbound.text[rest_start:]
        try:
            args = Args.parse(args_text)
        except ParseError as exc:
            return Outcome(error_card(str(exc), command.usage))
        return self._run(command, args, inbound)

    def _run(self, command: Command, args: Args, inbound: Inbound) -> Outcome:
        event_key = (
            f"{inbound.platform}:{inbound.source_id}"
            if command.writes and inbound.source_id else None
        )
        try:
            with self.db.transaction(write=command.writes, autocommit=True) as session:
                actor = resolve_actor(session, inbound.platform, inbound.user_id,
                                      inbound.display_name)
                request = Request(actor, inbound.text, inbound.now, inbound.where,
                                  inbound.source_id, inbound.form)
                if command.roles is not ANYONE and not actor.has(*command.roles):
                    raise _Abort(Outcome(_refusal(command, actor.known)))
                ctx = Context(session, request, self.config, self.registry)
                try:
                    outcome = command.handler(ctx, args)
                except (CommandError, ParseError) as exc:
                    usage = command.usage if getattr(exc, "show_usage", True) else None
                    raise _Abort(Outcome(error_card(str(exc), usage))) from exc
                if outcome.notices:
                    fanout.schedule(session, outcome.notices, inbound.now)
                if event_key:
                    # a replay of a request already handled fails here on the unique key,
                    # rolls back whatever it did again, and answers with the first reply
                    session.execute(_REMEMBER, {"key": event_key, "processed_at": inbound.now,
                                                "reply": outcome.reply.to_dict()})
                return outcome
        except _Abort as abort:
            # a replay that the first run made impossible (the score is in, the case moved
            # on) answers with the first reply, not with the refusal
            if event_key and abort.outcome.reply.tone == "error":
                return self._replay(event_key, abort.outcome)
            return abort.outcome
        except IntegrityError:
            if event_key:
                return self._replay(event_key)
            log.warning("command %s hit a conflicting change", command.verb)
            return Outcome(error_card("Someone changed this at the same moment; nothing was "
                                      "changed. Please try again."))
        except (StaleDataError, OperationalError):
            log.warning("command %s lost a race or the store was busy", command.verb,
                        exc_info=True)
            return Outcome(error_card("The store was busy with another change; nothing was "
                                      "changed. Please try again."))
        except Exception:
            ref = uuid.uuid4().hex[:8]
            # The command's words may hold personal data: log the verb and a reference only.
            log.exception("command %s failed (ref %s)", command.verb, ref)
            return Outcome(error_card(f"Something went wrong on our side (ref {ref}); nothing "
                                      "was changed."))

    def _replay(self, event_key: str, otherwise: Outcome | None = None) -> Outcome:
        """The reply stored for a request handled before; `otherwise` when there is none."""
        with self.db.read() as session:
            seen = session.execute(_SEEN, {"key": event_key}).first()
        if seen is None:
            return otherwise or Outcome(_replayed())
        return Outcome(card_from_dict(seen.reply) if seen.reply else _replayed())


def _replayed() -> Card:
    return Card(title="Already done", text=("This request was already handled.",))


def _refusal(command: Command, known: bool) -> Card:
    if not known:
        return error_card("You are not registered with S3 Desk yet. Ask the secretariat to "
                          "give you a role.")
    roles = " or ".join(sorted(command.roles))
    return error_card(f"`{command.verb}` is for {roles}.")


__all__ = ["Desk", "Inbound", "error_card"]
