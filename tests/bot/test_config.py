"""Settings read from the environment: a refused value is named by its variable and never
shown, booleans read as an operator writes them, an empty variable is an unset one, and no
secret shows when the settings are printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.config import Secret, Settings, SettingsError, load_settings

# in every refused value below, so a message that repeats the value is caught
MARK = "hunter2"


@pytest.mark.parametrize(("name", "value", "said"), [
    ("S3DESK_SMTP_PORT", f"{MARK}25", "is not a whole number"),
    ("S3DESK_SMTP_PORT", "0", "must be from 1 to 65535"),
    ("S3DESK_SMTP_PORT", "65536", "must be from 1 to 65535"),
    ("S3DESK_STOP_GRACE_SECONDS", f"{MARK}.5", "is not a number"),
    ("S3DESK_STOP_GRACE_SECONDS", "-1", "must be 0 or more"),
    ("S3DESK_STOP_GRACE_SECONDS", "nan", "must be 0 or more"),
    ("S3DESK_SMTP_STARTTLS", f"{MARK}-yes", "must be true or false (or 1/0, yes/no, on/off)"),
    ("S3DESK_SMTP_TLS", "2", "must be true or false (or 1/0, yes/no, on/off)"),
    ("S3DESK_ENV", f"production-{MARK}", "must be one of 'development', 'production'"),
    ("S3DESK_ENV", "Production", "must be one of 'development', 'production'"),
    ("S3DESK_LOG_FORMAT", f"xml-{MARK}", "must be one of 'text', 'json'"),
])
def test_a_refused_value_names_its_variable_and_never_shows_the_value(
        name: str, value: str, said: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({name: value})
    assert str(refused.value) == f"{name}: {said}"
    assert value not in str(refused.value) and MARK not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__context__ is None


def test_the_time_zone_and_the_sender_address_are_quoted_they_are_not_secrets() -> None:
    for zone in ("Mars/Olympus", "Europe", "../etc/passwd"):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({"S3DESK_TIMEZONE": zone})
        assert str(refused.value) == f"S3DESK_TIMEZONE: unknown time zone {zone!r}"
    with pytest.raises(SettingsError, match="S3DESK_SMTP_FROM: 'nobody' is not an e-mail"):
        Settings.from_env({"S3DESK_SMTP_HOST": "smtp.example.eu", "S3DESK_SMTP_FROM": "nobody"})


def test_every_refused_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"S3DESK_ENV": "staging", "S3DESK_SMTP_PORT": "x",
                           "S3DESK_TIMEZONE": "Nowhere/Town", "SLACK_BOT_TOKEN": "xoxb-fine"})
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "S3DESK_ENV", "S3DESK_TIMEZONE", "S3DESK_SMTP_PORT"]


def test_the_rules_across_settings_hold_however_settings_are_built() -> None:
    with pytest.raises(SettingsError, match="S3DESK_SMTP_HOST needs S3DESK_SMTP_FROM"):
        Settings(smtp_host="smtp.example.eu")
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"S3DESK_ENV": "production", "S3DESK_SMTP_HOST": "smtp.example.eu",
                           "S3DESK_SMTP_FROM": "desk@s3.example", "S3DESK_SMTP_TLS": "off",
                           "S3DESK_SMTP_STARTTLS": "off", "S3DESK_SMTP_PASSWORD": MARK})
    assert refused.value.problems == (
        "S3DESK_SMTP_USER and S3DESK_SMTP_PASSWORD go together",
        "S3DESK_ENV=production does not send the SMTP password in clear: "
        "set S3DESK_SMTP_STARTTLS=true or S3DESK_SMTP_TLS=true")
    assert MARK not in str(refused.value)


@pytest.mark.parametrize(("word", "meant"), [
    ("true", True), ("True", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
    ("y", True), (" On ", True), ("false", False), ("False", False), ("0", False),
    ("no", False), ("OFF", False), ("n", False),
])
def test_booleans_read_as_an_operator_writes_them(word: str, meant: bool) -> None:
    settings = Settings.from_env({"S3DESK_SMTP_TLS": word, "S3DESK_SMTP_STARTTLS": word})
    assert settings.smtp_tls is meant and settings.smtp_starttls is meant


def test_values_are_read_into_their_types() -> None:
    settings = Settings.from_env({"S3DESK_SMTP_PORT": "587", "S3DESK_STOP_GRACE_SECONDS": "2.5",
                                  "S3DESK_ENV": "production", "S3DESK_LOG_FORMAT": "json",
                                  "S3DESK_TIMEZONE": "Europe/Athens", "OTHER": "ignored"})
    assert (settings.smtp_port, settings.stop_grace_seconds) == (587, 2.5)
    assert (settings.env, settings.log_format, settings.timezone) == (
        "production", "json", "Europe/Athens")
    assert str(settings.programme().timezone) == "Europe/Athens"


def test_an_empty_variable_counts_as_unset() -> None:
    names = ("DATABASE_URL", "S3DESK_ENV", "S3DESK_TIMEZONE", "S3DESK_SMTP_PORT",
             "S3DESK_SMTP_STARTTLS", "S3DESK_STOP_GRACE_SECONDS", "SLACK_BOT_TOKEN",
             "SLACK_SIGNING_SECRET", "MICROSOFT_APP_TYPE", "S3DESK_SMTP_HOST")
    assert Settings.from_env(dict.fromkeys(names, "")) == Settings.from_env({}) == Settings()
    empty = Settings.from_env(dict.fromkeys(names, ""))
    assert empty.slack_bot_token is None and not empty.slack_enabled
    assert empty.microsoft_app_type == "MultiTenant" and empty.smtp_starttls is True


def test_no_secret_shows_when_the_settings_are_printed() -> None:
    secrets = {"SLACK_BOT_TOKEN": "xoxb-s1", "SLACK_SIGNING_SECRET": "s2-sign",
               "SLACK_APP_TOKEN": "xapp-s3", "MICROSOFT_APP_PASSWORD": "s4-azure",
               "S3DESK_CALENDAR_TOKEN": "s5-feed", "S3DESK_SMTP_PASSWORD": "s6-mail"}
    settings = Settings.from_env({**secrets, "S3DESK_SMTP_USER": "desk",
                                  "DATABASE_URL": "postgresql+psycopg://s3desk:s7-db@db/s3desk"})
    for shown in (repr(settings), str(settings), f"{settings}", repr(settings.smtp_password)):
        for value in (*secrets.values(), "s7-db"):
            assert value not in shown
    assert "**********" in repr(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "s6-mail"
    assert str(settings.smtp_password) == "**********"
    assert settings.slack_enabled


def test_a_secret_compares_by_value_and_is_false_when_empty() -> None:
    assert Secret("a") == Secret("a") != Secret("b")
    assert Secret("a") and not Secret("")


def test_the_process_environment_is_what_load_settings_reads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3DESK_LOG_FORMAT", "json")
    monkeypatch.setenv("S3DESK_SMTP_PORT", "")
    assert load_settings().log_format == "json" and load_settings().smtp_port is None
    monkeypatch.setenv("S3DESK_SMTP_PORT", "many")
    with pytest.raises(SettingsError, match="S3DESK_SMTP_PORT: is not a whole number"):
        load_settings()


@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["slack-socket"],
                                     ["teams-package", "--out", "{tmp}/teams.zip"]])
def test_every_command_refuses_an_unusable_environment_in_one_line(
        command: list[str], tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "S3DESK_SMTP_PORT": MARK}
    args = [arg.format(tmp=tmp_path) for arg in command]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "s3desk: the environment is not usable: S3DESK_SMTP_PORT: is not a whole number")
    assert list(tmp_path.iterdir()) == []
