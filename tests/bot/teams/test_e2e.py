"""End to end: the real `s3desk serve`, driven over loopback exactly as Teams does.

Bot Framework activities are posted to /api/messages with `serviceUrl` pointing at a local
fake connector, which records every call the server makes (replies, thread posts, edits).
Each test checks what the person saw and what was stored. One development-mode server for
the module; the production-mode checks start servers of their own.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Application, Note, Place, ProcessedEvent, Score, ThreadLink
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector, submit_data, visible_text
from tests.fakes.s3desk_server import (
    ROOT,
    S3DESK,
    RunningServer,
    free_port,
    fresh_store,
    start_server,
    wait_until,
)
from tests.fakes.teams_activities import EVALUATION_CHANNEL, Activities
from tests.fakes.teams_server import http_post, start_serve
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    ED,
    EVA,
    SOFIA,
    module_connector_fixture,
    texts,
)

APP_ID = "2b4c6d8e-5555-4a6e-9c8d-00000000b0b0"


@pytest.fixture(scope="module")
def server(_schema: Database, database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server({"DATABASE_URL": database_url},
                           tmp_path_factory.mktemp("teams-serve") / "serve.log")
    yield running
    running.stop()


@pytest.fixture
def people(server: RunningServer, fake: FakeConnector, db: Database) -> dict[str, int]:
    fake.calls.clear()
    fake.conversations.clear()
    return {"sofia": make_person(db, SOFIA.aad, "secretariat", platform="teams"),
            "eva": make_person(db, EVA.aad, "evaluator", platform="teams"),
            "ed": make_person(db, ED.aad, "evaluator", platform="teams")}


@pytest.fixture
def act(fake: FakeConnector) -> Activities:
    return Activities(fake.url)


def post(server: RunningServer, activity: dict[str, Any],
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return http_post(server.base_url + "/api/messages", activity, headers)


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_command_typed_in_teams_is_answered_and_stored(
        server: RunningServer, fake: FakeConnector, act: Activities, db: Database,
        people: dict[str, int]) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    activity = act.personal(SOFIA, f"note {ref} Called the managing authority")
    assert post(server, activity)[0] == 201
    [reply] = fake.sent()
    assert reply.method == "reply" and reply.activity_id == activity["id"]
    assert reply.conversation_id == SOFIA.personal_chat
    assert "Called the managing authority" in visible_text(reply.body) or \
        ref in visible_text(reply.body)
    with db.read() as session:
        assert session.scalar(select(Note.text)) == "Called the managing authority"
        assert session.get(ProcessedEvent, f"teams:{activity['id']}") is not None
    # Teams sends the same activity again: nothing more is stored
    assert post(server, activity)[0] == 201
    assert count(db, Note) == 1


def test_a_case_thread_in_teams_from_opening_to_the_last_score(
        server: RunningServer, fake: FakeConnector, act: Activities, db: Database,
        people: dict[str, int]) -> None:
    post(server, act.channel(SOFIA, "here evaluation"))
    with db.read() as session:
        place = session.scalar(select(Place))
        assert place is not None and place.conversation_ref is not None
    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="eligible")
    post(server, act.personal(SOFIA, f"cutoff close {CUTOFF.isoformat()}"))
    post(server, act.personal(SOFIA, f"assign {ref} @{EVA.aad} @{ED.aad}"))
    roots = wait_until(lambda: fake.sent_to(EVALUATION_CHANNEL))
    assert roots, "the case card never reached the evaluation channel"
    root_id = fake.conversations[EVALUATION_CHANNEL][0]["id"]
    thread = f"{EVALUATION_CHANNEL};messageid={root_id}"
    # a reply in the thread finds its case once the messenger has linked the root post
    assert wait_until(lambda: count(db, ThreadLink) == 1)
    # Eva presses Score on the case card; the form opens in her chat; she submits it
    post(server, act.submit(EVA, submit_data(fake.activity(root_id), "Score"),
                            conversation=thread, card_id=root_id))
    form = wait_until(lambda: [c for c in fake.sent_to(EVA.personal_chat)
                               if "Submit" in visible_text(c.body)])
    assert form, texts(fake, EVA.personal_chat)
    form_id = next(a["id"] for a in fake.conversations[EVA.personal_chat]
                   if "Submit" in visible_text(a))
    post(server, act.submit(EVA, submit_data(form[0].body, "Submit"),
                            conversation=EVA.personal_chat, card_id=form_id,
                            relevance="4", need="5", feasibility="4", impact="4"))
    assert wait_until(lambda: any("1 of 2 scored" in visible_text(c.body)
                                  for c in fake.calls_to("update")
                                  if c.activity_id == root_id))
    # Ed replies in the thread
    post(server, act.channel(ED, "score relevance=3 need=4 feasibility=4 impact=3",
                             thread_root=root_id))
    assert wait_until(lambda: any("2 of 2 scored" in visible_text(c.body)
                                  for c in fake.calls_to("update")
                                  if c.activity_id == root_id))
    assert wait_until(lambda: any("scoring complete" in t for t in texts(fake, thread)))
    assert count(db, Score) == 2
    with db.read() as session:
        assert session.scalar(select(Application.status)) == "scored"


def test_action_execute_is_answered_not_failed(
        server: RunningServer, act: Activities, people: dict[str, int]) -> None:
    status, body = post(server, act.execute(SOFIA, {"s3desk": "cutoffs"},
                                            conversation=SOFIA.personal_chat,
                                            card_id="1764140000001"))
    assert status == 200, body
    assert body["type"] == "application/vnd.microsoft.card.adaptive"


def test_a_throttled_reply_is_sent_once_after_a_wait(
        server: RunningServer, fake: FakeConnector, act: Activities,
        people: dict[str, int]) -> None:
    fake.fail(429, times=1, retry_after="1", methods=("reply",))
    fake.fail(503, times=1, methods=("reply",))
    assert post(server, act.personal(SOFIA, "help"))[0] == 201
    assert [c.status for c in fake.calls_to("reply")] == [429, 503, 200]
    assert len(fake.conversations[SOFIA.personal_chat]) == 1


# ---- production mode ----------------------------------------------------------------------

def _serve_argv(port: int) -> list[str]:
    return [str(S3DESK), "serve", "--host", "127.0.0.1", "--port", str(port)]


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "MICROSOFT_", "S3DESK_", "DATABASE_URL"))}
    env.update(DATABASE_URL=database_url, PYTHONUNBUFFERED="1", **extra)
    return env


def test_production_without_credentials_refuses_to_start(
        _schema: Database, database_url: str) -> None:
    done = subprocess.run(_serve_argv(free_port()), cwd=ROOT, capture_output=True, text=True,
                          env=_env(database_url, S3DESK_ENV="production"), timeout=120)
    assert done.returncode != 0
    assert "MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_refuses_forged_and_missing_tokens(
        fake: FakeConnector, act: Activities, tmp_path: Path) -> None:
    # a store of its own: the module's development server holds the suite's SQLite store
    db = fresh_store(tmp_path)
    make_person(db, SOFIA.aad, "secretariat", platform="teams")
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    running = start_serve({"DATABASE_URL": db.url, "S3DESK_ENV": "production",
                            "MICROSOFT_APP_ID": APP_ID,
                            "MICROSOFT_APP_PASSWORD": "not-a-real-secret"},
                           tmp_path / "serve.log")
    try:
        fake.calls.clear()
        foreign = jwt.encode({"iss": "https://issuer.example", "aud": APP_ID,
                              "serviceurl": fake.url}, "k" * 32, algorithm="HS256")
        for header in (None, "Bearer", "Bearer garbage", f"Basic {foreign}",
                       f"Bearer {foreign}"):
            activity = act.personal(SOFIA, f"note {ref} forged")
            status, body = post(running, activity,
                                {"Authorization": header} if header else None)
            assert status == 401, (header, body)
        assert count(db, Note) == 0 and count(db, ProcessedEvent) == 0
        assert fake.calls == []
        assert "forged" not in running.log()
    finally:
        running.stop()
        db.dispose()
