"""The SMTP settings: letters go by e-mail only when a server and a sender are given; the
password never shows; production never sends it in clear."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError
from bot.email.sender import SmtpConfig, SmtpSender
from bot.services import build_services


def settings(**extra: str) -> Settings:
    return Settings.from_env({"DATABASE_URL": "sqlite://", **extra})


MAIL = {"S3DESK_SMTP_HOST": "smtp.example.eu", "S3DESK_SMTP_USER": "desk",
        "S3DESK_SMTP_PASSWORD": "hunter2-secret", "S3DESK_SMTP_FROM": "Desk <desk@s3.example>"}


def test_without_a_mail_server_letters_stay_drafts() -> None:
    plain = settings()
    assert not plain.smtp_enabled and not plain.programme().letters_by_email
    services = build_services(plain)
    assert "email" not in services.messenger.senders


def test_with_a_mail_server_letters_go_by_email_and_the_password_stays_hidden() -> None:
    mail = settings(**MAIL)
    programme = mail.programme()
    assert programme.letters_by_email and programme.mail_domain == "s3.example"
    config = SmtpConfig.from_settings(mail)
    assert config.password == "hunter2-secret" and config.starttls and not config.tls
    for shown in (repr(mail), str(mail), repr(config)):
        assert "hunter2" not in shown
    services = build_services(mail)
    assert isinstance(services.messenger.senders["email"], SmtpSender)


@pytest.mark.parametrize(("extra", "said"), [
    ({"S3DESK_SMTP_FROM": None}, "needs S3DESK_SMTP_FROM"),
    ({"S3DESK_SMTP_FROM": "nobody"}, "is not an e-mail address"),
    ({"S3DESK_SMTP_USER": None}, "go together"),
    ({"S3DESK_ENV": "production", "S3DESK_SMTP_STARTTLS": "false"}, "in clear"),
])
def test_incomplete_or_unsafe_mail_settings_are_refused(extra: dict[str, str | None],
                                                        said: str) -> None:
    given = {**MAIL, **extra}
    with pytest.raises(SettingsError) as refused:
        settings(**{k: v for k, v in given.items() if v is not None})
    assert said in str(refused.value)
    assert "hunter2" not in str(refused.value)
