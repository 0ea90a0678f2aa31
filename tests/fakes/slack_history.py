"""Reading a channel back as Slack does: `oldest`/`latest` bounds, `limit`, cursor pages.

conversations.history gives a channel's top-level messages newest first; conversations
.replies gives a thread's root and replies oldest first. Both stop at `limit` (at most 999)
and say `has_more` with a `next_cursor` for the rest, which a client must follow.
"""

from __future__ import annotations

from typing import Any

MAX_LIMIT = 999


def _stamp(value: Any, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def page(messages: list[dict[str, Any]], params: dict[str, Any], *,
         newest_first: bool) -> dict[str, Any]:
    """One page of `messages` (in posting order) for the request's bounds and cursor."""
    oldest = _stamp(params.get("oldest"), float("-inf"))
    latest = _stamp(params.get("latest"), float("inf"))
    inside = [m for m in messages if oldest < float(m["ts"]) <= latest]
    if newest_first:
        inside.reverse()
    limit = min(int(params.get("limit") or 100), MAX_LIMIT)
    cursor = str(params.get("cursor") or "")
    start = int(cursor.removeprefix("at:")) if cursor.startswith("at:") else 0
    chunk = inside[start:start + limit]
    more = start + limit < len(inside)
    return {"ok": True, "messages": chunk, "has_more": more,
            "response_metadata": {"next_cursor": f"at:{start + limit}" if more else ""}}
