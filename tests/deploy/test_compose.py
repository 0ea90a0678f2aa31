"""compose.yaml: PostgreSQL, two `s3desk serve` replicas and nginx on one port.

No container runtime runs here, so the file is checked for what it promises (services,
health checks, environment, secrets left out) and its two replicas are run as what they
are: two real `s3desk serve` processes with the environment compose gives them, on the
test's PostgreSQL, behind one port that hands connections out in turn as nginx's upstream
does. They answer through that port and deliver each outbox row exactly once.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from storage.db import Database
from tests.bot.test_outbox_workers import ONE_REPLICA, seed_due_rows, seed_one_due_reminder
from tests.bot.test_shutdown import posted_keys
from tests.conftest import make_person
from tests.deploy.dockerfile import only, steps
from tests.fakes.proxy import RoundRobinProxy
from tests.fakes.s3desk_server import RunningServer, start_server, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import SlackCaller
from tests.paths import ROOT
from tests.reminder_helpers import outbox

COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
NGINX = ROOT / "deploy" / "nginx.conf"
REPLICAS = ("serve-1", "serve-2")
SECRET = "compose-signing-secret-9d1e"
SEC = "U0SEC0CMP"
_VARIABLE = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")


class MissingVariable(ValueError):
    pass


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`."""
    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if values.get(name):
            return values[name]
        if kind == ":?":
            raise MissingVariable(rest)
        return rest if kind == ":-" else ""

    return _VARIABLE.sub(one, text)


def service_env(service: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """The environment compose gives a container: values interpolated, and a name without
    a value passed through from the project's environment only when set there."""
    env: dict[str, str] = {}
    for name, value in service["environment"].items():
        if value is None:
            if values.get(name):
                env[name] = values[name]
        else:
            env[name] = interpolate(str(value), values)
    return env


def upstreams() -> list[tuple[str, int]]:
    block = re.search(r"upstream s3desk \{(.*?)\}", NGINX.read_text("utf-8"), re.S)
    assert block is not None
    return [(host, int(port)) for host, port in
            re.findall(r"server ([\w-]+):(\d+)", block.group(1))]


def seconds(duration: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(s|m)", duration).groups()  # type: ignore[union-attr]
    return float(number) * (60 if unit == "m" else 1)


def test_compose_runs_postgresql_two_replicas_and_one_port() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"db", *REPLICAS, "proxy"}
    serve = services["serve-1"]
    assert services["serve-2"] == serve  # one definition, twice
    assert serve["build"] == "." and (ROOT / "Dockerfile").exists()
    assert all("healthcheck" in service for service in services.values())
    assert serve["healthcheck"]["test"] == ["CMD", *only(steps(), "HEALTHCHECK").exec_form()]
    assert serve["depends_on"] == {"db": {"condition": "service_healthy"}}
    db_env = services["db"]["environment"]
    env = service_env(serve, {"POSTGRES_PASSWORD": "pw"})
    url = make_url(env["DATABASE_URL"])
    assert (url.drivername, url.host, url.port, url.username, url.database) == (
        "postgresql+psycopg", "db", 5432, db_env["POSTGRES_USER"], db_env["POSTGRES_DB"])
    assert (env["S3DESK_ENV"], env["S3DESK_LOG_FORMAT"]) == ("production", "json")
    # secrets are passed through from .env or the shell, never written in the file
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_PASSWORD"):
        assert serve["environment"][name] is None and name not in env
    for needs_password in (serve["environment"]["DATABASE_URL"], db_env["POSTGRES_PASSWORD"]):
        with pytest.raises(MissingVariable):
            interpolate(needs_password, {})
    # a replica gets the time to finish its sends before compose kills it
    assert seconds(serve["stop_grace_period"]) > float(env["S3DESK_STOP_GRACE_SECONDS"])
    proxy = services["proxy"]
    (published,) = proxy["ports"]
    host_port, container_port = interpolate(published, {}).split(":")
    assert host_port == only(steps(), "EXPOSE").args
    assert f"listen {container_port};" in NGINX.read_text("utf-8")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert upstreams() == [(name, int(host_port)) for name in REPLICAS]
    assert proxy["depends_on"] == {name: {"condition": "service_healthy"}
                                   for name in REPLICAS}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


def command_lines(server: RunningServer) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    return [entry for entry in entries if entry["logger"] == "s3desk.command"]


def test_the_two_replicas_behind_one_port_deliver_each_row_once(
    db: Database, database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    if db.is_sqlite:
        pytest.skip(ONE_REPLICA)
    reminder = seed_one_due_reminder(db)
    make_person(db, SEC, "secretariat", platform="slack")
    project_env = {"POSTGRES_PASSWORD": "unused-here", "SLACK_BOT_TOKEN": "xoxb-compose",
                   "SLACK_SIGNING_SECRET": SECRET,
                   "MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000002",
                   "MICROSOFT_APP_PASSWORD": "compose-test-secret"}
    replicas: dict[str, RunningServer] = {}
    proxy: RoundRobinProxy | None = None
    try:
        for name in REPLICAS:
            env = service_env(COMPOSE["services"][name], project_env)
            # compose's store is the `db` service; here it is the test's PostgreSQL
            env.update(DATABASE_URL=database_url, SLACK_API_URL=fake.base_url)
            replicas[name] = start_server(env, tmp_path / f"{name}.log")
        local = {name: int(server.base_url.rsplit(":", 1)[1])
                 for name, server in replicas.items()}
        proxy = RoundRobinProxy([("127.0.0.1", local[name]) for name, _ in upstreams()]).start()
        one_port = f"http://127.0.0.1:{proxy.port}"
        seed_due_rows(db, 40, channels=8)
        slack = SlackCaller(one_port + "/slack/events", SECRET, fake.response_url("r"))
        for _ in range(4):
            assert slack.slash("cutoffs", user=SEC).status == 200
        with urllib.request.urlopen(one_port + "/healthz", timeout=5) as health:
            assert health.status == 200
        assert wait_until(lambda: all(r.status == "sent" for r in outbox(db)), timeout=120)
    finally:
        if proxy is not None:
            proxy.stop()
        for server in replicas.values():
            server.stop()
    assert all(server.process.returncode == 0 for server in replicas.values())
    keys = posted_keys(fake)
    assert len(keys) == 41 and set(keys.values()) == {1} and reminder in keys
    # both replicas answered through the one port, and logged one JSON object a line
    assert all(len(command_lines(server)) >= 2 for server in replicas.values())
