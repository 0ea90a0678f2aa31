"""A local OpenID endpoint that signs Bot Framework tokens with a key of its own.

botbuilder checks a channel's token against the signing keys published at an OpenID
metadata URL. Pointing that URL here lets a test produce tokens that are genuinely valid
for the bot (and, by changing one thing, tokens that are wrong in exactly one way).
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.background import BackgroundServer

CHANNEL_ISSUER = "https://api.botframework.com"
KEY_ID = "s3desk-test-key"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeOpenId:
    def __init__(self) -> None:
        self.key = new_key()
        self.port = 0
        self.requests = 0
        self._server = BackgroundServer(self._app, "fake-openid")

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/.well-known/openid-configuration"

    def token(self, *, app_id: str, service_url: str, key: rsa.RSAPrivateKey | None = None,
              expires_in: int = 3600, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": CHANNEL_ISSUER, "aud": app_id,
                                  "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
                                  "exp": now + expires_in}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": KEY_ID})

    def start(self) -> FakeOpenId:
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._keys)
        return app

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response({"issuer": CHANNEL_ISSUER,
                                  "jwks_uri": f"http://127.0.0.1:{self.port}/keys"})

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": ["msteams"]})
        return web.json_response({"keys": [jwk]})
