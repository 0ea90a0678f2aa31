"""A letter's envelope as an RFC 5322 message: plain text, UTF-8, its own Message-ID."""

from __future__ import annotations

from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from handlers.letters.envelope import Envelope


class Unaddressable(ValueError):
    """The letter names no address an e-mail can go to (erased, or mistyped)."""


def recipient(envelope: Envelope) -> Address:
    try:
        address = Address(display_name=envelope.name or "", addr_spec=envelope.address)
    except (HeaderParseError, IndexError, ValueError):
        raise Unaddressable("the contact e-mail is not an address mail can go to") from None
    if not address.domain or not address.username:
        raise Unaddressable("the contact e-mail is not an address mail can go to")
    return address


# Python folds a long subject before its first word, which some clients show as a leading
# space: header lines up to the RFC 5322 limit keep a subject (at most 300) on one line.
# 7bit: any server takes it (non-ASCII text is encoded), whatever extensions it offers.
WIRE = SMTP.clone(max_line_length=998, cte_type="7bit")


def build_message(envelope: Envelope, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=WIRE)
    message["From"] = sender
    message["To"] = recipient(envelope)
    message["Subject"] = envelope.subject
    message["Date"] = format_datetime(now)
    # the same on every attempt at this e-mail: a second copy is recognisable as the same
    message["Message-ID"] = envelope.message_id
    message.set_content(envelope.body)
    # after the content: setting it clears every Content-* header
    message["Content-Language"] = envelope.language
    return message


def sender_address(sender: str) -> str:
    """The bare address of `S3DESK_SMTP_FROM` (`Name <a@b.eu>` -> `a@b.eu`), for MAIL FROM."""
    return parseaddr(sender)[1]
