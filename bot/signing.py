"""Short-lived signed tokens for the addresses the server hands out (chart pictures).

A token is `<payload>.<signature>`: base64url JSON holding the data and an expiry, and an
HMAC-SHA256 of it under a key kept in the store (`storage.secrets`), so any replica checks
what any replica signed. The signature is compared in constant time; an altered, expired or
malformed token is refused the same way, without saying which.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def sign(data: dict[str, Any], key: bytes, expires: datetime) -> str:
    body = json.dumps({**data, "exp": int(expires.timestamp())}, separators=(",", ":"),
                      sort_keys=True)
    payload = _b64(body.encode())
    return f"{payload}.{_mac(key, payload)}"


def verify(token: str, key: bytes, now: datetime) -> dict[str, Any] | None:
    """The data of a valid token that has not expired; None for anything else."""
    payload, _, signature = token.partition(".")
    try:
        expected = _mac(key, payload)
        if not hmac.compare_digest(expected.encode(), signature.encode("ascii")):
            return None
        data = json.loads(_unb64(payload))
    except (UnicodeError, ValueError, binascii.Error):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
        return None
    if data.pop("exp") <= now.timestamp():
        return None
    return data
