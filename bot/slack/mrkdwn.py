"""Slack text in and out: escape what we echo, unescape what people type, clip to limits.

Slack parses `<...>` in message text as mentions and links (`<!channel>`, `<@U1>`,
`<https://x|label>`), and `verbatim` does not stop that. Escaping `&`, `<` and `>` in every
piece of text we echo makes whatever a person typed show as typed, notify no one and link
nowhere.
"""

from __future__ import annotations

ELLIPSIS = "…"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a person typed, from the way Slack delivers it (`&lt;` for `<`, ...)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(escaped: str, limit: int) -> str:
    """At most `limit` characters of already escaped text, never ending inside an entity."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: max(limit - len(ELLIPSIS), 0)]
    amp = cut.rfind("&", max(len(cut) - 5, 0))
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def safe(text: str, limit: int) -> str:
    """Escape then clip: the one call renderers use for user-visible text."""
    return clip(escape(text), limit)


def chunks(escaped: str, limit: int) -> list[str]:
    """Split escaped text into pieces of at most `limit`, at line ends or spaces when possible."""
    pieces: list[str] = []
    rest = escaped
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
            amp = rest.rfind("&", max(cut - 5, 0), cut)
            if amp >= 0 and ";" not in rest[amp:cut]:
                cut = amp
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
