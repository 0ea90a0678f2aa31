"""The shape of a Slack payload, checked before Bolt reads it.

Bolt navigates a payload assuming Slack's shapes (`body["event"]["type"]`, `body["actions"]
[0]`, a regex over `action_id`) and answers 500 when a field holds something else, sometimes
failing inside its own error handler. Slack only ever sends these shapes, so a request that
breaks them is malformed: the HTTP edge answers 400 without running anything. The rules are
by key name, wherever the key appears, because Slack uses each name for one kind of value.
"""

from __future__ import annotations

from typing import Any

from bot.slack.parse import MalformedPayload

# always a string
STRINGS = frozenset({"type", "command", "callback_id", "action_id"})
# a string or null
OPTIONAL_STRINGS = frozenset({
    "id", "value", "trigger_id", "response_url", "event_id", "event_ts", "ts", "thread_ts",
    "action_ts", "tab", "channel_type", "subtype", "hash", "private_metadata", "user_id",
    "channel_id", "team_id", "enterprise_id", "api_app_id", "bot_id", "block_id", "view_id",
    "user_team", "message_ts"})
# a JSON object
OBJECTS = frozenset({"event", "view", "container", "state", "message", "previous_message",
                     "item", "assistant_thread", "function_data", "workflow_step"})
# a JSON object that always says what type it is
TYPED_OBJECTS = frozenset({"event", "view"})
# a JSON object, an id, or null
OBJECTS_OR_IDS = frozenset({"text", "user", "channel", "team", "enterprise"})
# a list of JSON objects
LISTS_OF_OBJECTS = frozenset({"actions", "authorizations", "response_urls", "blocks",
                              "selected_options"})


def check_shape(body: Any) -> None:
    """Raise MalformedPayload where `body` is not shaped as Slack shapes its payloads."""
    if not isinstance(body, dict):
        raise MalformedPayload("the payload is not a JSON object")
    actions = body.get("actions")
    if body.get("type") == "block_actions" and not (
            isinstance(actions, list) and actions
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str)
                    for a in actions)):
        raise MalformedPayload("a block action without actions, or one without its id")
    _check(body, "")


def _check(value: Any, where: str) -> None:
    if isinstance(value, list):
        for item in value:
            _check(item, where)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        path = f"{where}.{key}" if where else str(key)
        if not _fits(key, item):
            raise MalformedPayload(f"{path} is a {type(item).__name__}")
        _check(item, path)


def _fits(key: Any, item: Any) -> bool:
    if key in STRINGS:
        return isinstance(item, str)
    if key in OPTIONAL_STRINGS:
        return item is None or isinstance(item, str)
    if key in OBJECTS:
        return isinstance(item, dict) and (key not in TYPED_OBJECTS
                                           or isinstance(item.get("type"), str))
    if key in OBJECTS_OR_IDS:
        return item is None or isinstance(item, str | dict)
    if key in LISTS_OF_OBJECTS:
        return isinstance(item, list) and all(isinstance(i, dict) for i in item)
    return True
