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
        return ProgrammeConfig(timezone=ZoneInfo(self.timezone))


def load_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
