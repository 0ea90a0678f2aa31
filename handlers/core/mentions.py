"""People named in a command, in the one neutral form every platform edge writes.

A platform's own mention syntax never reaches the core: each edge rewrites a mention the
platform verified as `<@ID>` (or `<@ID|label>`), where ID is the person's id on the platform
the command came from. Slack's user mentions already have this shape; the Teams edge turns
`<at>Name</at>` into it. Anything else a person types (`@maria`, an email, a full name) is
looked up by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MENTION = re.compile(r"^<@([^|>\s]+)(?:\|([^>\s]*))?>$")


@dataclass(frozen=True)
class Mention:
    user_id: str
    label: str = ""


def mention(user_id: str, label: str = "") -> str:
    """The neutral text of a mention, as an edge writes it into a command."""
    return f"<@{user_id}|{label}>" if label else f"<@{user_id}>"


def read_mention(word: str) -> Mention | None:
    """The mention a word of a command is, if it is one."""
    found = _MENTION.match(word.strip())
    return Mention(found.group(1), found.group(2) or "") if found else None
