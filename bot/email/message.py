"""A letter's envelope as an RFC 5322 message: plain text, UTF-8, its own Message-ID."""

from __future__ import annotations

from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

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


def build_message(envelope: Envelope, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
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
