"""Bot Framework activities as Teams sends them, built from the recorded fixtures.

Each builder starts from a payload in tests/fixtures/teams/, points its `serviceUrl` at the
fake connector, and fills in who speaks, where, and a fresh activity id.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures" / "teams"
TENANT = "5e7a1d2c-3b4f-4a6e-9c8d-1f2e3a4b5c6d"
BOT = {"id": "28:s3desk-bot", "name": "S3 Desk"}
EVALUATION_CHANNEL = "19:evaluation-channel@thread.tacv2"
ANNOUNCE_CHANNEL = "19:announcements-channel@thread.tacv2"
TEAM = "19:s3cop-team@thread.tacv2"
THREAD_MARK = ";messageid="


@dataclass(frozen=True)
class TeamsUser:
    aad: str
    name: str

    @property
    def member_id(self) -> str:
        return f"29:1{self.aad[-6:]}"

    @property
    def account(self) -> dict[str, str]:
        return {"id": self.member_id, "name": self.name, "aadObjectId": self.aad}

    @property
    def personal_chat(self) -> str:
        """The id the fake connector gives this person's one-to-one chat with the bot."""
        return f"a:chat-{self.aad}"


def fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


class Activities:
    def __init__(self, service_url: str) -> None:
        self.service_url = service_url
        self._ids = itertools.count(1)

    def new_id(self) -> str:
        return f"1764147{next(self._ids):06d}"

    def _from(self, name: str, user: TeamsUser) -> dict[str, Any]:
        activity = copy.deepcopy(fixture(name))
        activity["serviceUrl"] = self.service_url
        activity["from"] = dict(user.account)
        activity["id"] = self.new_id()
        return activity

    def personal(self, user: TeamsUser, text: str) -> dict[str, Any]:
        activity = self._from("personal_message", user)
        activity["text"] = text
        activity["conversation"]["id"] = user.personal_chat
        return activity

    def channel(self, user: TeamsUser, text: str, *, channel: str = EVALUATION_CHANNEL,
                channel_name: str = "evaluation", thread_root: str | None = None,
                mentions: tuple[TeamsUser, ...] = (), mention_aad: bool = True
                ) -> dict[str, Any]:
        """`@S3 Desk <text>` as a new post, or as a reply under `thread_root`."""
        activity = self._from("channel_message_mention", user)
        activity["text"] = f"<at>S3 Desk</at> {text}\n"
        for person in mentions:
            mentioned = dict(person.account) if mention_aad else {"id": person.member_id,
                                                                  "name": person.name}
            activity["entities"].append({"type": "mention", "text": f"<at>{person.name}</at>",
                                         "mentioned": mentioned})
        root = thread_root or activity["id"]
        activity["conversation"]["id"] = f"{channel}{THREAD_MARK}{root}"
        activity["channelData"]["channel"] = {"id": channel, "name": channel_name}
        activity["channelData"]["teamsChannelId"] = channel
        return activity

    def submit(self, user: TeamsUser, data: dict[str, Any], *, conversation: str,
               card_id: str, **inputs: Any) -> dict[str, Any]:
        """What pressing an Action.Submit sends: a message whose value is its data + inputs."""
        activity = self._from("card_submit_message", user)
        activity["conversation"]["id"] = conversation
        if not conversation.startswith("a:"):
            activity["conversation"]["conversationType"] = "channel"
            channel = conversation.split(THREAD_MARK)[0]
            activity["channelData"]["channel"] = {"id": channel, "name": "evaluation"}
        activity["replyToId"] = card_id
        activity["value"] = {**data, **inputs}
        return activity

    def execute(self, user: TeamsUser, data: dict[str, Any], *, conversation: str,
                card_id: str) -> dict[str, Any]:
        activity = self._from("card_execute_invoke", user)
        activity["conversation"]["id"] = conversation
        if not conversation.startswith("a:"):
            activity["conversation"]["conversationType"] = "channel"
        activity["replyToId"] = card_id
        activity["value"]["action"]["data"] = data
        return activity

    def install(self, user: TeamsUser, *, conversation: str = TEAM) -> dict[str, Any]:
        activity = self._from("conversation_update_install", user)
        activity["conversation"]["id"] = conversation
        return activity
