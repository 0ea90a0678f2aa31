"""Letters to applicants: the acknowledgement of receipt and the decision letters.

Each is written once in the applicant's language and keeps its text. A letter sent by
e-mail goes out through the outbox (platform `email`); `outbox_key` names the row that
carries its latest e-mail and `message_id` the RFC 5322 Message-ID that e-mail bears, the
same on every retry, so a copy sent again after an interrupted attempt can be recognised.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

LETTER_KINDS = ("acknowledgement", "decision")


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("application_id", "kind", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    # the outcome a decision letter tells; None for an acknowledgement
    outcome: Mapped[str | None] = mapped_column(String(20))
    # the decision revision it tells (a reserve case decided later gets a new letter)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    outbox_key: Mapped[str | None] = mapped_column(String(300), index=True)
    # e-mails asked for: the first, then one more for each resend on request
    sends: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
