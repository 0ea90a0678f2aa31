"""Send requests to `/slack/events` exactly as Slack does: form bodies, signed.

Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 and the app's signing secret and sends
the result as `X-Slack-Signature: v0=<hex>` next to `X-Slack-Request-Timestamp`. Slash
commands arrive as form fields; interactivity as one form field `payload` holding JSON;
events as JSON. The payload shapes come from tests/fixtures/slack/.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slack"
FORM = "application/x-www-form-urlencoded"
_ids = itertools.count(1)


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text("utf-8")))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}.{time.monotonic_ns() % 10**9}"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    status: int
    body: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


class SlackCaller:
    def __init__(self, url: str, secret: str, response_url: str = "") -> None:
        self.url = url
        self.secret = secret
        self.response_url = response_url

    def send(self, body: bytes, content_type: str, *, timestamp: str | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> Answer:
        stamp = str(int(time.time())) if timestamp is None else timestamp
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                       "X-Slack-Signature": signature if signature is not None
                       else sign(self.secret, stamp, body), **(headers or {})}
        request = urllib.request.Request(self.url, data=body, headers=all_headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read().decode())

    # ---- slash commands ----------------------------------------------------------------
    def slash_body(self, text: str, *, user: str, channel: str = "C0CASES01",
                   trigger: str | None = None) -> bytes:
        fields = fixture("slash_command")
        fields.update(text=text, user_id=user, user_name=user.lower(), channel_id=channel,
                      trigger_id=trigger or unique("trg"),
                      response_url=self.response_url or fields["response_url"])
        return urlencode(fields).encode()

    def slash(self, text: str, *, user: str, channel: str = "C0CASES01",
              trigger: str | None = None) -> Answer:
        return self.send(self.slash_body(text, user=user, channel=channel, trigger=trigger),
                         FORM)

    # ---- interactivity -----------------------------------------------------------------
    def interact(self, payload: dict[str, Any], **kwargs: Any) -> Answer:
        return self.send(urlencode({"payload": json.dumps(payload)}).encode(), FORM, **kwargs)

    def press(self, value: str, *, user: str, action_id: str = "s3.run.0",
              channel: str = "C0CASES01", ephemeral: bool = True,
              trigger: str | None = None, container: dict[str, Any] | None = None,
              thread_ts: str | None = None) -> Answer:
        payload = fixture("block_actions")
        payload["user"].update(id=user, username=user.lower(), name=user.lower())
        payload["trigger_id"] = trigger or unique("trg")
        payload["channel"]["id"] = channel
        payload["response_url"] = self.response_url or payload["response_url"]
        payload["container"].update(channel_id=channel, is_ephemeral=ephemeral)
        if thread_ts:
            payload["container"]["thread_ts"] = thread_ts
        if container is not None:
            payload["container"] = container
            payload.pop("channel")
            payload["view"] = {"id": "VHOME0001", "type": "home", "blocks": []}
        payload["actions"][0].update(action_id=action_id, value=value,
                                     action_ts=unique("ats"))
        return self.interact(payload)

    def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str,
               view_id: str = "V0FORM0001", view_hash: str | None = None) -> Answer:
        """Submit a modal we opened: `values` is {key: action state} as Slack sends it."""
        payload = fixture("view_submission")
        payload["user"].update(id=user, username=user.lower(), name=user.lower())
        payload["view"].update(
            id=view_id, hash=view_hash or unique("h"), blocks=view["blocks"],
            private_metadata=view["private_metadata"], callback_id=view["callback_id"],
            state={"values": {f"in.{key}": {"a": state} for key, state in values.items()}})
        return self.interact(payload)

    def suggest(self, typed: str, *, user: str) -> Answer:
        payload = fixture("block_suggestion")
        payload["user"]["id"] = user
        payload["value"] = typed
        return self.interact(payload)

    # ---- events ------------------------------------------------------------------------
    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              retry: int | None = None, kind: str = "event_message_in_thread") -> Answer:
        body = fixture(kind)
        body["event"] = event
        body["event_id"] = event_id or unique("Ev")
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry else None
        return self.send(json.dumps(body).encode(), "application/json", headers=headers)

    def thread_reply(self, text: str, *, user: str, channel: str, thread_ts: str,
                     event_id: str | None = None, retry: int | None = None,
                     **extra: Any) -> Answer:
        event = fixture("event_message_in_thread")["event"]
        ts = unique("")
        event.update(user=user, text=text, channel=channel, thread_ts=thread_ts,
                     ts=ts, event_ts=ts, **extra)
        return self.event(event, event_id=event_id, retry=retry)

    def home_opened(self, *, user: str) -> Answer:
        event = fixture("app_home_opened")["event"]
        event["user"] = user
        return self.event(event, kind="app_home_opened")


def text_state(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def select_state(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"value": value}}


def multi_state(values: list[str]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}


def number_state(value: str) -> dict[str, Any]:
    return {"type": "number_input", "value": value}
