"""Production mode: credentials required, every forged or missing token refused with 401
before any turn runs, only allow-listed tenants served."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from aiohttp import web
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import (
    ChannelValidation,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
)
from sqlalchemy import func, select

from bot.config import Settings
from bot.teams.http import BotConfiguration, TeamsSettingsError, check_settings, install
from handlers.core.desk import Desk
from storage.db import Database
from storage.models import AuditEntry, Note, ProcessedEvent
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeOpenId, new_key
from tests.fakes.teams_activities import TENANT, Activities
from tests.fakes.teams_server import InProcessTeams
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    SOFIA,
    activities_fixture,
    connector_fixture,
    teams_people_fixture,
)

APP_ID = "2b4c6d8e-5555-4a6e-9c8d-00000000b0b0"


def production(**extra: str) -> Settings:
    return Settings.from_env({"S3DESK_ENV": "production", "MICROSOFT_APP_ID": APP_ID,
                              "MICROSOFT_APP_PASSWORD": "not-a-real-secret", **extra})


class _OfflineCredentials(PasswordServiceClientCredentialFactory):
    """Checks inbound tokens like the real factory; sends to the fake connector unsigned,
    because no Azure AD is reachable from a test."""

    async def create_credentials(self, *_args: Any, **_kwargs: Any) -> MicrosoftAppCredentials:
        return MicrosoftAppCredentials.empty()


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenId]:
    fake = FakeOpenId().start()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", fake.metadata_url)
    yield fake
    fake.stop()


def _server(db: Database, desk: Desk, now: datetime, settings: Settings) -> InProcessTeams:
    authentication = ConfigurationBotFrameworkAuthentication(
        BotConfiguration(settings),
        credentials_factory=_OfflineCredentials(APP_ID, "not-a-real-secret"))
    return InProcessTeams(db, desk, settings, lambda: now, authentication)


@pytest.fixture
def prod_teams(db: Database, desk: Desk, now: datetime,
               openid: FakeOpenId) -> Iterator[InProcessTeams]:
    server = _server(db, desk, now, production())
    yield server
    server.close()


def stored(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (Note, ProcessedEvent, AuditEntry))  # type: ignore[return-value]


def test_production_refuses_to_start_without_the_app_credentials() -> None:
    with pytest.raises(TeamsSettingsError) as refused:
        check_settings(Settings.from_env({"S3DESK_ENV": "production"}))
    assert "MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD" in refused.value.message
    assert refused.value.code == f"s3desk: {refused.value.message}"
    with pytest.raises(TeamsSettingsError, match="MICROSOFT_APP_PASSWORD"):
        check_settings(Settings.from_env({"S3DESK_ENV": "production", "MICROSOFT_APP_ID": APP_ID}))
    with pytest.raises(TeamsSettingsError, match="MICROSOFT_APP_TENANT_ID"):
        check_settings(production(MICROSOFT_APP_TYPE="SingleTenant"))
    with pytest.raises(TeamsSettingsError, match="MultiTenant, SingleTenant"):
        check_settings(production(MICROSOFT_APP_TYPE="Anonymous"))
    check_settings(production())
    check_settings(production(MICROSOFT_APP_TYPE="SingleTenant",
                              MICROSOFT_APP_TENANT_ID="5e7a1d2c-3b4f-4a6e-9c8d-1f2e3a4b5c6d"))
    # a managed identity has no password
    check_settings(Settings.from_env({"S3DESK_ENV": "production", "MICROSOFT_APP_ID": APP_ID,
                                      "MICROSOFT_APP_TYPE": "UserAssignedMSI",
                                      "MICROSOFT_APP_TENANT_ID": "t"}))
    check_settings(Settings.from_env({"S3DESK_ENV": "development"}))
    # and the installer (what `s3desk serve` calls) refuses before mounting anything
    app = web.Application()
    services = SimpleNamespace(settings=Settings.from_env({"S3DESK_ENV": "production"}),
                               bind_host="127.0.0.1")
    with pytest.raises(TeamsSettingsError):
        install(app, services)  # type: ignore[arg-type]
    assert not list(app.router.routes())


def _forged(openid: FakeOpenId, activity: dict[str, Any]) -> dict[str, str | None]:
    service = activity["serviceUrl"]
    good = {"app_id": APP_ID, "service_url": service}
    return {
        "no header": None,
        "empty bearer": "Bearer ",
        "garbage": "Bearer not.a.token",
        "wrong scheme": "Basic " + openid.token(**good),
        "expired": "Bearer " + openid.token(**good, expires_in=-3600),
        "wrong key": "Bearer " + openid.token(**good, key=new_key()),
        "wrong audience": "Bearer " + openid.token(app_id="someone-else", service_url=service),
        "wrong issuer": "Bearer " + openid.token(**good, iss="https://evil.example"),
        "wrong service URL": "Bearer " + openid.token(app_id=APP_ID,
                                                      service_url="https://evil.example/"),
        "unsigned": "Bearer " + jwt.encode({"iss": "https://api.botframework.com",
                                            "aud": APP_ID, "serviceurl": service},
                                           None, algorithm="none"),  # type: ignore[arg-type]
        # a shared-secret signature where only the channel's RSA keys may sign
        "HMAC-signed": "Bearer " + jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": service},
            "guessable-secret-of-32-bytes-len", algorithm="HS256",
            headers={"kid": "s3desk-test-key"}),
    }


def test_forged_or_missing_tokens_run_no_turn(
        prod_teams: InProcessTeams, openid: FakeOpenId, connector: FakeConnector,
        activities: Activities, teams_people: dict[str, int], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    before = stored(db)
    for name, header in _forged(openid, activities.personal(SOFIA, "x")).items():
        activity = activities.personal(SOFIA, f"note {ref} forged")
        status, body = prod_teams.post(activity, {"Authorization": header} if header else {})
        assert (name, status) == (name, 401), body
        assert body == {"error": "unauthorized"}
    assert stored(db) == before
    assert connector.calls == []
    # a token from another channel than the key is endorsed for
    activity = activities.personal(SOFIA, f"note {ref} forged")
    activity["channelId"] = "webchat"
    token = openid.token(app_id=APP_ID, service_url=activity["serviceUrl"])
    assert prod_teams.post(activity, {"Authorization": f"Bearer {token}"})[0] == 401
    assert stored(db) == before and connector.calls == []


def test_a_valid_token_runs_the_turn(
        prod_teams: InProcessTeams, openid: FakeOpenId, connector: FakeConnector,
        activities: Activities, teams_people: dict[str, int], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    activity = activities.personal(SOFIA, f"note {ref} signed and sealed")
    token = openid.token(app_id=APP_ID, service_url=activity["serviceUrl"])
    status, _ = prod_teams.post(activity, {"Authorization": f"Bearer {token}"})
    assert status == 201
    with db.read() as session:
        assert session.scalar(select(Note.text)) == "signed and sealed"
    assert len(connector.sent()) == 1
    assert openid.requests >= 1


def test_only_allow_listed_tenants_are_served(
        db: Database, desk: Desk, now: datetime, openid: FakeOpenId,
        connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int]) -> None:
    server = _server(db, desk, now, production(S3DESK_TEAMS_TENANTS=f"other-tenant, {TENANT}x"))
    try:
        add_cutoff(db)
        ref = add_application(db, CUTOFF)
        before = stored(db)
        activity = activities.personal(SOFIA, f"note {ref} from elsewhere")
        token = openid.token(app_id=APP_ID, service_url=activity["serviceUrl"])
        assert server.post(activity, {"Authorization": f"Bearer {token}"})[0] == 403
        assert stored(db) == before and connector.calls == []
    finally:
        server.close()
    allowed = _server(db, desk, now, production(S3DESK_TEAMS_TENANTS=f"other-tenant,{TENANT}"))
    try:
        activity = activities.personal(SOFIA, "help")
        token = openid.token(app_id=APP_ID, service_url=activity["serviceUrl"])
        assert allowed.post(activity, {"Authorization": f"Bearer {token}"})[0] == 201
    finally:
        allowed.close()


def test_malformed_requests_are_refused_plainly(
        prod_teams: InProcessTeams, connector: FakeConnector) -> None:
    from tests.fakes.teams_server import http_post

    assert http_post(prod_teams.url, None, raw=b"{not json")[0] == 400
    assert http_post(prod_teams.url, {"type": "message"})[0] == 400
    assert http_post(prod_teams.url, [1, 2])[0] == 400
    assert http_post(prod_teams.url, {"type": "message", "conversation": {"id": "a:1"},
                                      "from": {"id": "29:1"}})[0] == 400  # no serviceUrl
    assert http_post(prod_teams.url, None, {"Content-Type": "text/plain"}, raw=b"hi")[0] == 415
    assert connector.calls == []
