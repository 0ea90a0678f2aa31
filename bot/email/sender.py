"""The messenger's sender for the `email` platform: each letter over SMTP (aiosmtplib).

What the mail server answers decides the outbox row: accepted, the row is sent and the
applicant informed; a 4xx answer, or a server that cannot be reached, is tried again with
backoff; a 5xx refusal of the recipient or the message fails the row for good, and the
letter is listed in `pending` and the weekly digest until someone sends it again.

What SMTP cannot promise: the server's acceptance and our record of it are two steps, and
SMTP has no way to ask a server whether it already took a message. A worker that dies
between the two leaves a row the next worker sends again; that copy bears the same
Message-ID, by which mail systems (and people) recognise it as the same letter. A worker
that dies before the server accepted leaves nothing behind: the next one sends it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiosmtplib

from bot.config import Settings
from bot.edge import Clock, system_clock
from bot.email.message import Unaddressable, build_message, sender_address
from bot.senders import Delivery, PermanentSendError, TransientSendError
from handlers.letters.envelope import read_envelope
from storage.letters import EMAIL_PLATFORM


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    sender: str
    port: int | None = None
    starttls: bool = True
    tls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(host=settings.smtp_host or "", sender=settings.smtp_from or "",
                   port=settings.smtp_port, starttls=settings.smtp_starttls,
                   tls=settings.smtp_tls, user=settings.smtp_user, password=password)


def refusal(code: int, text: str) -> Exception:
    """A refusal of this letter: for good when 5xx, worth trying again when 4xx."""
    said = f"{code} {' '.join(text.split())}".strip()
    if 500 <= code < 600:
        return PermanentSendError(f"the mail server refused it: {said}")
    return TransientSendError(f"the mail server asked to try later: {said}")


class SmtpSender:
    platform = EMAIL_PLATFORM

    def __init__(self, config: SmtpConfig, clock: Clock = system_clock) -> None:
        self.config = config
        self.clock = clock

    async def post(self, delivery: Delivery) -> str:
        try:
            envelope = read_envelope(delivery.card)
            message = build_message(envelope, self.config.sender, self.clock())
        except (Unaddressable, ValueError) as exc:
            raise PermanentSendError(str(exc)) from None
        config = self.config
        try:
            # flattened here, not by aiosmtplib, so that our header policy holds
            await aiosmtplib.send(
                message.as_bytes(), sender=sender_address(config.sender),
                recipients=[envelope.address], hostname=config.host, port=config.port,
                use_tls=config.tls,
                start_tls=False if config.tls else config.starttls, username=config.user,
                password=config.password, timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            worst = max(exc.recipients, key=lambda r: r.code)
            raise refusal(worst.code, worst.message) from None
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
            raise refusal(exc.code, exc.message) from None
        except aiosmtplib.SMTPResponseException as exc:
            # the server refused us (login, sender, greeting), not this letter: try again
            raise TransientSendError(f"the mail server did not take letters: {exc.code} "
                                     f"{exc.message}") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"the mail server could not be reached "
                                     f"({type(exc).__name__})") from None
        return envelope.message_id

    async def update(self, delivery: Delivery, message_id: str) -> None:
        """A sent e-mail cannot be changed or recalled; an edit (an erasure) counts as done."""

    async def find_posted(self, delivery: Delivery) -> str | None:
        """SMTP cannot tell whether a server took a message before: see the module's note."""
        return None
