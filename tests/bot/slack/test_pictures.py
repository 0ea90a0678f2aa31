"""End to end: `stats chart` typed in Slack reaches the person as a picture.

The real `s3desk serve` answers the signed slash command at once (ephemeral, saying a
picture follows), then uploads the chart to the asker's direct messages the way
`files_upload_v2` does against the local fake Web API: files.getUploadURLExternal, the
bytes to the upload URL, files.completeUploadExternal.
"""

from __future__ import annotations

import json

import pytest

from storage.db import Database
from tests.conftest import make_person
from tests.fakes.s3desk_server import RunningServer, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import SlackCaller
from tests.fakes.slack_files import Upload
from tests.fakes.slack_world import (  # noqa: F401  (fixtures)
    SECRET,
    fake_slack_fixture,
    slack_server_fixture,
)

SEC, OBSERVER, STRANGER = "U0SEC0PIC", "U0OBS0PIC", "U0STR0PIC"
CHANNEL = "C0FIGURES"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def slack(server: RunningServer, fake: FakeSlack, db: Database) -> SlackCaller:
    fake.reset()
    make_person(db, SEC, "secretariat", platform="slack")
    make_person(db, OBSERVER, "observer", platform="slack")
    return SlackCaller(server.base_url + "/slack/events", SECRET, fake.response_url("r"))


def shared(fake: FakeSlack, count: int = 1) -> list[Upload]:
    return list(wait_until(lambda: len(fake.shared_files()) >= count and fake.shared_files())
                or [])


def test_stats_chart_is_uploaded_to_the_askers_direct_messages(
        slack: SlackCaller, fake: FakeSlack) -> None:
    answer = slack.slash("stats chart", user=SEC, channel=CHANNEL)
    assert answer.status == 200
    payload = answer.json
    assert payload["response_type"] == "ephemeral"
    assert "picture in our direct messages" in json.dumps(payload["blocks"])
    [upload] = shared(fake)
    assert upload.data is not None and upload.data.startswith(PNG_MAGIC)
    assert upload.length == len(upload.data)
    assert upload.filename.endswith(".png") and upload.title == "S3 Desk in figures"
    # the picture is as private as the answer: the asker's DM, never the channel
    assert upload.channel == "D" + SEC[1:]
    assert [c.params["users"] for c in fake.calls_to("conversations.open")] == [SEC]
    assert fake.history.get(CHANNEL) is None
    assert [m["files"][0]["id"] for m in fake.history[upload.channel]] == [upload.file_id]


def test_asked_in_the_direct_messages_the_picture_comes_there(
        slack: SlackCaller, fake: FakeSlack) -> None:
    dm = "D0OBS0PIC"
    assert slack.slash("stats chart", user=OBSERVER, channel=dm).status == 200
    [upload] = shared(fake)
    assert upload.channel == dm
    assert fake.calls_to("conversations.open") == []


def test_no_picture_for_plain_stats_or_for_someone_without_the_role(
        slack: SlackCaller, fake: FakeSlack) -> None:
    assert slack.slash("stats", user=SEC, channel=CHANNEL).status == 200
    refused = slack.slash("stats chart", user=STRANGER, channel=CHANNEL)
    assert refused.status == 200 and "picture" not in refused.body
    # a later chart shows the earlier requests uploaded nothing
    assert slack.slash("stats chart", user=SEC, channel=CHANNEL).status == 200
    assert len(shared(fake)) == 1
    assert len(fake.calls_to("files.getUploadURLExternal")) == 1


def test_a_refused_upload_leaves_the_answer_standing(
        slack: SlackCaller, fake: FakeSlack, server: RunningServer) -> None:
    fake.fail("files.completeUploadExternal", error="not_in_channel")
    answer = slack.slash("stats chart", user=SEC, channel=CHANNEL)
    assert answer.status == 200 and answer.json["blocks"]
    assert wait_until(lambda: fake.calls_to("files.completeUploadExternal"))
    assert wait_until(lambda: "chart not uploaded: not_in_channel" in server.log())
    assert fake.shared_files() == []
