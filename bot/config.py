"""Settings from the environment, read once; secrets never appear in a repr or a log."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from email.utils import parseaddr
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.core.config import ProgrammeConfig

Env = Literal["development", "production"]
# `json`: one JSON object a line, for a log collector; `text`: readable lines
LogFormat = Literal["text", "json"]
Parse = Callable[[str], object]


class SettingsError(ValueError):
    """The refused variables, each with why; never with the value given, which may be a
    secret (the time zone and the sender address, not secrets, are quoted to help)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, repr=False)
class Secret:
    """A value shown as asterisks wherever it is printed: a repr, a log line, a traceback."""

    _value: str

    def get_secret_value(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "t", "yes", "y", "on"):
        return True
    if word in ("0", "false", "f", "no", "n", "off"):
        return False
    raise ValueError("must be true or false (or 1/0, yes/no, on/off)")


def _number(kind: type[float], low: float, high: float = math.inf) -> Parse:
    what = "a whole number" if kind is int else "a number"

    def parse(value: str) -> float:
        try:
            number = kind(value)
        except ValueError:
            raise ValueError(f"is not {what}") from None
        if not low <= number <= high:  # NaN fails this too
            raise ValueError(f"must be from {low:g} to {high:g}" if high < math.inf
                             else f"must be {low:g} or more")
        return number
    return parse


def _one_of(choices: Any) -> Parse:
    allowed: tuple[str, ...] = get_args(choices)

    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError("must be one of " + ", ".join(map(repr, allowed)))
        return value
    return parse


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, `Europe`
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _address(value: str) -> str:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _env(name: str, default: Any = None, parse: Parse = str, *, shown: bool = True) -> Any:
    return field(default=default, repr=shown, metadata={"env": name, "parse": parse})


@dataclass(frozen=True)
class Settings:
    # the URL may carry the database password
    database_url: str = _env("DATABASE_URL", "sqlite:///s3desk.db", shown=False)
    env: Env = _env("S3DESK_ENV", "development", _one_of(Env))
    timezone: str = _env("S3DESK_TIMEZONE", "Europe/Brussels", _zone)
    log_format: LogFormat = _env("S3DESK_LOG_FORMAT", "text", _one_of(LogFormat))
    # on SIGTERM, how long requests and sends in progress may take to finish
    stop_grace_seconds: float = _env("S3DESK_STOP_GRACE_SECONDS", 20.0, _number(float, 0))

    slack_bot_token: Secret | None = _env("SLACK_BOT_TOKEN", parse=Secret)
    slack_signing_secret: Secret | None = _env("SLACK_SIGNING_SECRET", parse=Secret)
    slack_app_token: Secret | None = _env("SLACK_APP_TOKEN", parse=Secret)
    slack_api_url: str = _env("SLACK_API_URL", "https://slack.com/api/")

    microsoft_app_id: str | None = _env("MICROSOFT_APP_ID")
    microsoft_app_password: Secret | None = _env("MICROSOFT_APP_PASSWORD", parse=Secret)
    microsoft_app_tenant_id: str | None = _env("MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str = _env("MICROSOFT_APP_TYPE", "MultiTenant")
    # comma-separated tenant ids served; empty serves every tenant
    teams_allowed_tenants: str = _env("S3DESK_TEAMS_TENANTS", "")

    # the https address `serve` is reached at from outside (chart pictures, calendar feed)
    public_url: str | None = _env("S3DESK_PUBLIC_URL")
    # opens GET /calendar.ics?token=...; unset, the secretariat may issue one in chat
    calendar_token: Secret | None = _env("S3DESK_CALENDAR_TOKEN", parse=Secret)
    # applicants' letters by e-mail; without a host (and a sender address) they stay drafts
    smtp_host: str | None = _env("S3DESK_SMTP_HOST")
    # default: 465 with TLS, 587 with STARTTLS, 25 otherwise
    smtp_port: int | None = _env("S3DESK_SMTP_PORT", parse=_number(int, 1, 65535))
    smtp_starttls: bool = _env("S3DESK_SMTP_STARTTLS", True, _flag)
    # TLS from the first byte (port 465); STARTTLS is then not used
    smtp_tls: bool = _env("S3DESK_SMTP_TLS", False, _flag)
    smtp_user: str | None = _env("S3DESK_SMTP_USER")
    smtp_password: Secret | None = _env("S3DESK_SMTP_PASSWORD", parse=Secret)
    smtp_from: str | None = _env("S3DESK_SMTP_FROM", parse=_address)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Every variable is checked before any is refused, so one start names all problems."""
        values: dict[str, Any] = {}
        problems = []
        for spec in fields(cls):
            name, parse = spec.metadata["env"], spec.metadata["parse"]
            text = environ.get(name)
            if not text:  # compose files write `NAME=` for a variable they leave unset
                continue
            try:
                values[spec.name] = parse(text)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        if problems:
            raise SettingsError(problems)
        return cls(**values)

    def __post_init__(self) -> None:
        problems = []
        if self.smtp_host and not self.smtp_from:
            problems.append("S3DESK_SMTP_HOST needs S3DESK_SMTP_FROM, the letters' sender")
        if bool(self.smtp_user) != bool(self.smtp_password):
            problems.append("S3DESK_SMTP_USER and S3DESK_SMTP_PASSWORD go together")
        plain = not (self.smtp_tls or self.smtp_starttls)
        if self.env == "production" and self.smtp_password and plain:
            problems.append("S3DESK_ENV=production does not send the SMTP password in clear: "
                            "set S3DESK_SMTP_STARTTLS=true or S3DESK_SMTP_TLS=true")
        if problems:
            raise SettingsError(problems)

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
    return Settings.from_env(os.environ)
