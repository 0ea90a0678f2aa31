"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts.

It can be told to refuse a recipient for good (`refuse`, a 5xx answer to RCPT), to ask for a
later attempt a number of times (`defer`, a 4xx answer), and it can be stopped and started
again on the same port, to stand for a mail server that is down during a run.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from bot.email.message import build_message, sender_address
from bot.email.sender import SmtpConfig, SmtpSender
from bot.senders import Delivery
from handlers.letters.envelope import read_envelope
from tests.fakes.platform import CRASH_EXIT_CODE

SENDER = "S3 CoP Secretariat <secretariat@s3desk.example>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.defer: dict[str, int] = {}
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._sessions = 0

    def start(self) -> MailServer:
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> SmtpConfig:
        """How the sender reaches this server: plain SMTP, no login."""
        return SmtpConfig(host="127.0.0.1", port=self.port, sender=SENDER, starttls=False,
                          timeout=10)

    def idle(self) -> bool:
        """No client session is still being handled: whatever a client that died had sent
        has been read, and kept or dropped."""
        with self._lock:
            return self._sessions == 0

    def _session(self, change: int) -> None:
        with self._lock:
            self._sessions += change

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def message_ids(self) -> Counter[str]:
        """How many copies of each Message-ID the server accepted."""
        return Counter(str(m["Message-ID"]) for m in self.received())

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received() if address in str(m["To"])]

    def _rcpt_answer(self, address: str) -> str | None:
        with self._lock:
            if address in self.refuse:
                return self.refuse[address]
            if self.defer.get(address, 0) > 0:
                self.defer[address] -= 1
                return "451 4.7.1 Greylisted, please try again later"
        return None

    def _keep(self, content: bytes) -> None:
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)


class _Controller(Controller):
    """aiosmtpd's controller whose sessions the mail server counts."""

    def __init__(self, mail: MailServer, **kwargs: Any) -> None:
        super().__init__(_Handler(mail), **kwargs)
        self.mail = mail

    def factory(self) -> SMTP:
        return _CountedSMTP(self.handler, self.mail, **self.SMTP_kwargs)


class _CountedSMTP(SMTP):
    def __init__(self, handler: Any, mail: MailServer, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.mail = mail

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self._original_transport is None  # STARTTLS makes a second one
        super().connection_made(transport)
        if first and self._handler_coroutine is not None:
            # a session ends when its handling ends, after any data still buffered
            self.mail._session(+1)
            self._handler_coroutine.add_done_callback(lambda _: self.mail._session(-1))


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        answer = self.server._rcpt_answer(address)
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server._keep(envelope.original_content or envelope.content)
        return "250 2.0.0 OK: queued"


class CrashingSmtpSender(SmtpSender):
    """The real sender in a worker process that dies: `before_post` (before connecting),
    `mid_send` (halfway through the message: the server never sees its end, so it keeps
    nothing) or `after_post` (just after the server accepted the message)."""

    def __init__(self, config: SmtpConfig, crash: str | None) -> None:
        super().__init__(config)
        self.crash = crash

    async def post(self, delivery: Delivery) -> str:
        if self.crash == "before_post":
            os._exit(CRASH_EXIT_CODE)
        if self.crash == "mid_send":
            await self._die_halfway(delivery)
        message_id = await super().post(delivery)
        if self.crash == "after_post":
            os._exit(CRASH_EXIT_CODE)
        return message_id

    async def _die_halfway(self, delivery: Delivery) -> None:
        envelope = read_envelope(delivery.card)
        content = build_message(envelope, self.config.sender, self.clock()).as_bytes()
        reader, writer = await asyncio.open_connection(self.config.host, self.config.port)

        async def reply() -> bytes:
            while True:
                line = await reader.readline()
                if line[3:4] != b"-":
                    return line

        await reply()
        mail_from = f"MAIL FROM:<{sender_address(self.config.sender)}>".encode()
        for command in (b"EHLO worker", mail_from, f"RCPT TO:<{envelope.address}>".encode(),
                        b"DATA"):
            writer.write(command + b"\r\n")
            await writer.drain()
            await reply()
        writer.write(content[: len(content) // 2])
        await writer.drain()
        os._exit(CRASH_EXIT_CODE)
