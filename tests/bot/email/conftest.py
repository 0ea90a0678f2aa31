"""Fixtures of the e-mail tests: letters go by e-mail, to a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.core.config import ProgrammeConfig
from tests.conftest import BRUSSELS
from tests.fakes.smtp import MailServer


@pytest.fixture
def config() -> ProgrammeConfig:
    return ProgrammeConfig(timezone=BRUSSELS, letters_by_email=True,
                           mail_domain="s3desk.example")


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()
