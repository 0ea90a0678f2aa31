"""Settings from the environment, read once; secrets never appear in a repr or a log."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.core.config import ProgrammeConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field("sqlite:///s3desk.db", alias="DATABASE_URL")
    env: Literal["development", "production"] = Field("development", alias="S3DESK_ENV")
    timezone: str = Field("Europe/Brussels", alias="S3DESK_TIMEZONE")

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

    def programme(self) -> ProgrammeConfig:
        token = self.calendar_token.get_secret_value() if self.calendar_token else None
        return ProgrammeConfig(timezone=ZoneInfo(self.timezone),
                               public_url=self.public_url.rstrip("/") if self.public_url
                               else None, calendar_token=token or None)


def load_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
