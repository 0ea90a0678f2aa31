"""Text from outside made safe to store, search and show: one rule at every edge.

JSON may carry lone surrogates (`"\\ud800"`), which no UTF-8 encoder takes, so the store
would fail on them; PostgreSQL refuses NUL in text; other control characters garble
terminals, logs and cards. So every payload is cleaned where it enters (after its signature
is checked, which covers the bytes as sent): surrogate pairs are joined, a lone surrogate
becomes U+FFFD, NUL and the other control characters are dropped (tab and newline kept, CR LF
and CR made LF), and text is composed (NFC), so a letter typed two ways is one letter.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# C0 controls but tab and newline, DEL and the C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` as the desk may keep it: see the module's docstring for the rule."""
    if text.isascii() and not _CONTROL.search(text):
        return text  # the common case: nothing to do
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", text)


def clean_payload(value: Any) -> Any:
    """A parsed JSON (or form) payload with every string in it, keys too, cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_payload(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [clean_payload(item) for item in value]
    return value
