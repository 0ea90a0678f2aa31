"""manifest.yml: valid for Slack's published schema, and in step with the Bolt listeners.

The schema files and their source line live in tests/fixtures/schemas/slack/ (MIT). The
second half builds the real AsyncApp and probes its listeners with requests derived from
the manifest: every command, event and interactivity the manifest subscribes to has a
listener, every listener is reachable through the manifest, and the bot asks for exactly
the scopes those need.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack import modals, render
from bot.slack.app import build_app
from bot.slack.http import EVENTS_PATH
from bot.slack.runtime import SlackRuntime
from handlers.core.desk import Desk
from tests.paths import ROOT

SCHEMAS = ROOT / "tests" / "fixtures" / "schemas" / "slack"
SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
# what each bot event needs (Slack's event reference); app_home_opened needs no scope
EVENT_SCOPES = {"message.channels": "channels:history", "message.groups": "groups:history",
                "message.im": "im:history", "message.mpim": "mpim:history",
                "app_mention": "app_mentions:read", "app_home_opened": None}
# the Web API methods the code calls: chat.* need chat:write, conversations.open im:write,
# files.getUploadURLExternal and files.completeUploadExternal (pictures) files:write
CALL_SCOPES = {"chat:write", "im:write", "files:write"}


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text("utf-8"))


def validator() -> jsonschema.Draft7Validator:
    def resource(name: str) -> Resource:
        return Resource.from_contents(json.loads((SCHEMAS / name).read_text("utf-8")))

    registry: Registry = Registry().with_resources(
        (SCHEMA_URL + name, resource(name))
        for name in ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json"))
    top = json.loads((SCHEMAS / "manifest.schema.json").read_text("utf-8"))
    return jsonschema.Draft7Validator(top, registry=registry)


def test_the_manifest_is_valid_for_slacks_schema() -> None:
    errors = [e.message for e in validator().iter_errors(manifest())]
    assert errors == []


def test_the_schema_check_can_fail() -> None:
    broken = manifest()
    broken["settings"]["socket_mode_enabled"] = "yes"
    broken["features"]["slash_commands"][0]["command"] = "s3"
    assert len(list(validator().iter_errors(broken))) >= 1


def test_every_request_url_is_the_events_endpoint() -> None:
    data = manifest()
    urls = [c["url"] for c in data["features"]["slash_commands"]]
    urls += [data["settings"]["event_subscriptions"]["request_url"],
             data["settings"]["interactivity"]["request_url"],
             data["settings"]["interactivity"]["message_menu_options_url"]]
    assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)
    assert data["settings"]["socket_mode_enabled"] is False


# ---- the manifest and the listeners ------------------------------------------------------

def _form(fields: dict[str, Any]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=urlencode(fields), headers={
        "content-type": ["application/x-www-form-urlencoded"]})


def _payload(payload: dict[str, Any]) -> AsyncBoltRequest:
    return _form({"payload": json.dumps(payload)})


def _event(event: dict[str, Any]) -> AsyncBoltRequest:
    body = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": event}
    return AsyncBoltRequest(body=json.dumps(body),
                            headers={"content-type": ["application/json"]})


EVENT_PROBES = {
    "message.channels": {"type": "message", "channel_type": "channel"},
    "message.groups": {"type": "message", "channel_type": "group"},
    "message.im": {"type": "message", "channel_type": "im"},
    "message.mpim": {"type": "message", "channel_type": "mpim"},
    "app_mention": {"type": "app_mention"},
    "app_home_opened": {"type": "app_home_opened", "tab": "home"},
}


def probes(data: dict[str, Any]) -> dict[str, AsyncBoltRequest]:
    """One request per thing the manifest makes Slack send us."""
    user = {"id": "U1"}
    found = {f"command {c['command']}": _form({"command": c["command"], "text": "help",
                                               "user_id": "U1", "trigger_id": "t"})
             for c in data["features"]["slash_commands"]}
    for name in data["settings"]["event_subscriptions"]["bot_events"]:
        found[f"event {name}"] = _event({**EVENT_PROBES[name], "user": "U1"})
    interactivity = data["settings"]["interactivity"]
    if interactivity["is_enabled"]:
        for action_id in (f"{render.RUN_ACTION}.0", f"{render.PAGE_ACTION}.next",
                          f"{render.PAGE_ACTION}.previous"):
            found[f"button {action_id}"] = _payload({
                "type": "block_actions", "user": user, "trigger_id": "t",
                "actions": [{"action_id": action_id, "block_id": "b", "type": "button"}]})
        found["modal submission"] = _payload({
            "type": "view_submission", "user": user,
            "view": {"id": "V1", "callback_id": modals.FORM_CALLBACK, "type": "modal"}})
        if interactivity.get("message_menu_options_url"):
            found["region type-ahead"] = _payload({
                "type": "block_suggestion", "user": user, "action_id": modals.REGION_ACTION,
                "block_id": "in.region", "value": "el"})
    return found


@pytest.fixture
def bolt_app(desk: Desk) -> AsyncApp:
    return build_app(SlackRuntime(desk), "xoxb-unused", "http://127.0.0.1:9/api/")


def test_manifest_and_listeners_match_both_ways(bolt_app: AsyncApp) -> None:
    requests = probes(manifest())
    listeners = bolt_app._async_listeners  # Bolt has no public list of its listeners

    async def matches(listener: Any, request: AsyncBoltRequest) -> bool:
        return bool(await listener.async_matches(req=request, resp=BoltResponse(status=200)))

    async def check() -> tuple[list[str], list[str]]:
        unheard = [name for name, request in requests.items()
                   if not any([await matches(li, request) for li in listeners])]
        unsubscribed = [repr(li.ack_function) for li in listeners
                        if not any([await matches(li, r) for r in requests.values()])]
        return unheard, unsubscribed

    unheard, unsubscribed = asyncio.run(check())
    assert unheard == [], "the manifest subscribes to these but no listener answers them"
    assert unsubscribed == [], "these listeners can never be reached with this manifest"


def test_the_bot_asks_for_exactly_the_scopes_it_needs() -> None:
    data = manifest()
    needed = set(CALL_SCOPES)
    if data["features"].get("slash_commands"):
        needed.add("commands")
    for event in data["settings"]["event_subscriptions"]["bot_events"]:
        if EVENT_SCOPES[event]:
            needed.add(EVENT_SCOPES[event])
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == sorted(needed)
