"""Settings from the environment, read once; secrets never appear in a repr or a log."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.core.config import ProgrammeConfig


class Settings(BaseSettings):
    # a refused setting is reported without the values given: they may hold secrets
    model_config = SettingsConfigDict(env_file=None, extra="ignore", hide_input_in_errors=True)

    database_url: str = Field("sqlite:///s3desk.db", alias="DATABASE_URL")
    env: Literal["development", "production"] = Field("development", alias="S3DESK_ENV")
    timezone: str = Field("Europe/Brussels", alias="S3DESK_TIMEZONE")
    # `json`: one JSON object a line, for a log collector; `text`: readable lines
    log_format: Literal["text", "json"] = Field("text", alias="S3DESK_LOG_FORMAT")
    # on SIGTERM, how long requests and sends in progress may take to finish
    stop_grace_seconds: float = Field(20.0, ge=0, alias="S3DESK_STOP_GRACE_SECONDS")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(None, alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str = Field("MultiTenant", alias="MICROSOFT_APP_TYPE")
    # comma-separated tenant ids served; empty serves every tenant
    teams_allowed_tenants: str = Field("", alias="S3DESK_TEAMS_TENANTS")

    # the https address `serve` is reached at from outside (chart pictures, calendar feed)
    public_url: str | None = Field(None, alias="S3DESK_PUBLIC_URL")
    # opens GET /calendar.ics?token=...; unset, the secretariat may issue one in chat
    calendar_token: SecretStr | None = Field(None, alias="S3DESK_CALENDAR_TOKEN")
    # applicants' letters by e-mail; without a host (and a sender address) they stay drafts
    smtp_host: str | None = Field(None, alias="S3DESK_SMTP_HOST")
    # default: 465 with TLS, 587 with STARTTLS, 25 otherwise
    smtp_port: int | None = Field(None, alias="S3DESK_SMTP_PORT", ge=1, le=65535)
    smtp_starttls: bool = Field(True, alias="S3DESK_SMTP_STARTTLS")
    # TLS from the first byte (port 465); STARTTLS is then not used
    smtp_tls: bool = Field(False, alias="S3DESK_SMTP_TLS")
    smtp_user: str | None = Field(None, alias="S3DESK_SMTP_USER")
    smtp_password: SecretStr | None = Field(None, alias="S3DESK_SMTP_PASSWORD")
    smtp_from: str | None = Field(None, alias="S3DESK_SMTP_FROM")

    @field_validator("smtp_from")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1]:
            raise ValueError(f"S3DESK_SMTP_FROM {value!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _mail_complete(self) -> Settings:
        if self.smtp_host and not self.smtp_from:
            raise ValueError("S3DESK_SMTP_HOST needs S3DESK_SMTP_FROM, the letters' sender")
        if bool(self.smtp_user) != bool(self.smtp_password):
            raise ValueError("S3DESK_SMTP_USER and S3DESK_SMTP_PASSWORD go together")
        plain = not (self.smtp_tls or self.smtp_starttls)
        if self.env == "production" and self.smtp_password and plain:
            raise ValueError("S3DESK_ENV=production does not send the SMTP password in clear: "
                             "set S3DESK_SMTP_STARTTLS=true or S3DESK_SMTP_TLS=true")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    def programme(self) -> ProgrammeConfig:
        token = self.calendar_token.get_secret_value() if self.calendar_token else None
        domain = parseaddr(self.smtp_from or "")[1].rpartition("@")[2]
        return ProgrammeConfig(timezone=ZoneInfo(self.timezone),
                               public_url=self.public_url.rstrip("/") if self.public_url
                               else None, calendar_token=token or None,
                               letters_by_email=self.smtp_enabled,
                               mail_domain=domain or ProgrammeConfig.mail_domain)


def load_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
