"""The shape of a Bot Framework activity, checked on the JSON before botbuilder reads it.

botbuilder's models turn any JSON value into a string (`{"id": {}}` becomes the id `"{}"`),
so a malformed activity would run a turn and fail halfway through it, answered 500. Teams
sends the fields a turn relies on with these types; an activity that breaks them is answered
400 before anything runs.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

REQUIRED = object()
# Ids go into the connector's URLs and headers: Teams' are printable ASCII, no spaces.
_ID = re.compile(r"[\x21-\x7e]{1,1000}")
# field -> "str", "id", a nested shape (a dict), or ("list", nested shape); REQUIRED: a must
ACCOUNT: dict[str, Any] = {"id": (REQUIRED, "id"), "name": "str", "aadObjectId": "id",
                           "role": "str"}
NAMED: dict[str, Any] = {"id": "id", "name": "str"}
ACTIVITY: dict[str, Any] = {
    "type": (REQUIRED, "str"), "id": (REQUIRED, "id"), "serviceUrl": (REQUIRED, "id"),
    "from": (REQUIRED, ACCOUNT), "recipient": ACCOUNT,
    "conversation": (REQUIRED, {"id": (REQUIRED, "id"), "conversationType": "str",
                                "tenantId": "id", "name": "str"}),
    "channelId": "str", "name": "str", "text": "str", "textFormat": "str", "locale": "str",
    "replyToId": "id", "summary": "str", "action": "str",
    "channelData": {"tenant": NAMED, "team": NAMED, "channel": NAMED},
    "entities": ("list", {"type": "str", "text": "str", "mentioned": ACCOUNT}),
    "membersAdded": ("list", ACCOUNT), "membersRemoved": ("list", ACCOUNT),
    "attachments": ("list", {"contentType": "str", "name": "str"}),
}


def activity_problem(body: Any) -> str | None:
    """What is wrong with the activity's shape, or None when a turn may read it."""
    problem = _problem(body, ACTIVITY, "activity")
    if problem is None:
        url = urlsplit(body["serviceUrl"])
        if url.scheme not in ("http", "https") or not url.netloc:
            return "serviceUrl is not an http(s) URL"
    return problem


def _problem(value: Any, shape: Any, where: str) -> str | None:
    required = isinstance(shape, tuple) and shape[0] is REQUIRED
    if required:
        shape = shape[1]
    if value is None:
        return f"{where} is missing" if required else None
    if shape in ("str", "id"):
        if not isinstance(value, str):
            return f"{where} is not a string"
        if shape == "id" and not _ID.fullmatch(value):
            return f"{where} is not an id"
        return f"{where} is empty" if required and not value else None
    if isinstance(shape, tuple):  # ("list", item shape)
        if not isinstance(value, list):
            return f"{where} is not a list"
        return next((p for item in value if (p := _problem(item, shape[1], where))), None)
    if not isinstance(value, dict):
        return f"{where} is not an object"
    for key, inner in shape.items():
        problem = _problem(value.get(key), inner, f"{where}.{key}")
        if problem:
            return problem
    return None
