"""What a handler gets: the open transaction, who asks, the clock and the programme rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from handlers.core.audit import Auditor
from handlers.core.config import ProgrammeConfig
from handlers.core.errors import NotAllowed
from handlers.core.types import Actor, Request

if TYPE_CHECKING:
    from handlers.core.registry import Registry


@dataclass
class Context:
    session: Session
    request: Request
    config: ProgrammeConfig
    # the commands this desk runs, for the ones that describe the others (`help`)
    registry: Registry

    @property
    def actor(self) -> Actor:
        return self.request.actor

    @property
    def now(self) -> datetime:
        return self.request.now

    @property
    def local_now(self) -> datetime:
        return self.request.now.astimezone(self.config.timezone)

    @property
    def source(self) -> str:
        where = self.request.actor.platform
        return f"{where}:{self.request.source_id}" if self.request.source_id else where

    def require(self, *roles: str, what: str = "do this") -> None:
        if not self.actor.has(*roles):
            needed = " or ".join(roles)
            raise NotAllowed(f"only {needed} may {what}")

    def audit(
        self,
        entity: str,
        entity_id: object,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        Auditor(self.session, self.now, self.actor.person_id, self.source)(
            entity, entity_id, action, before, after
        )
