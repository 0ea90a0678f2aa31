"""The Teams settings checks, kept free of botbuilder so a server can run them at start-up
without loading the Bot Framework SDK.

Without the Azure Bot's app id botbuilder checks no token at all: anyone who reaches the
port could run a turn as any person and make the bot post to a service URL of their
choosing. So that mode is served only in development and only on a loopback address;
anywhere else `/api/messages` stays off (404) and the server says why once, at start-up.
"""

from __future__ import annotations

import ipaddress
import logging

from bot.config import Settings

log = logging.getLogger("s3desk.teams")


class TeamsSettingsError(SystemExit):
    """The Teams settings are unsafe or incomplete here; the message says how to fix them.

    A SystemExit: wherever start-up raises it, `s3desk serve` ends with this one message
    and exit status 1, not a traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"s3desk: {message}")
        self.message = message


def check_settings(settings: Settings) -> None:
    """Refuse settings that would let anyone drive the bot, before the server starts."""
    app_type = settings.microsoft_app_type.lower()
    password = settings.microsoft_app_password
    needed: list[tuple[str, str | None]] = [("MICROSOFT_APP_ID", settings.microsoft_app_id)]
    if app_type != "userassignedmsi":
        # a managed identity signs in without a secret; the other kinds need the password
        needed.append(("MICROSOFT_APP_PASSWORD", password.get_secret_value() if password else None))
    missing = [name for name, value in needed if not value]
    # a Slack-only desk sets no Teams credentials at all: Teams then stays off (closed_reason)
    slack_only = settings.slack_enabled and len(missing) == len(needed)
    if settings.env == "production" and missing and not slack_only:
        raise TeamsSettingsError(
            f"S3DESK_ENV=production needs {' and '.join(missing)} (the Azure Bot's app "
            "credentials): without them anyone could post to /api/messages unsigned. Set "
            "them, or run with S3DESK_ENV=development on a machine of your own.")
    if app_type in ("singletenant", "userassignedmsi") and not settings.microsoft_app_tenant_id:
        raise TeamsSettingsError(
            f"MICROSOFT_APP_TYPE={settings.microsoft_app_type} needs MICROSOFT_APP_TENANT_ID.")
    if app_type not in ("multitenant", "singletenant", "userassignedmsi"):
        raise TeamsSettingsError("MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or "
                                 "UserAssignedMSI.")


def allowed_tenants(settings: Settings) -> frozenset[str]:
    return frozenset(t.strip() for t in settings.teams_allowed_tenants.split(",") if t.strip())


def is_loopback(host: str) -> bool:
    """Only this machine can reach an address like 127.0.0.1, ::1 or localhost."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to anything


def closed_reason(settings: Settings, host: str) -> str | None:
    """Why `/api/messages` must stay off on `host`, or None when it may be served."""
    if settings.microsoft_app_id:
        return None  # every activity must carry a token signed for this app
    if settings.env == "production":
        return ("S3DESK_ENV=production and no MICROSOFT_APP_ID: /api/messages is off (404). "
                "Set the Azure Bot's MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to serve "
                "Teams.")
    if not is_loopback(host):
        return (f"no MICROSOFT_APP_ID and the server listens on {host}, not a loopback "
                "address: /api/messages is off (404), because without the app's credentials "
                "no activity's token is checked. Set MICROSOFT_APP_ID and "
                "MICROSOFT_APP_PASSWORD, or try Teams unsigned with S3DESK_ENV=development "
                "on --host 127.0.0.1.")
    return None


def may_serve(settings: Settings, host: str) -> bool:
    """Check the settings (refusing unsafe ones) and say at start-up whether Teams is on."""
    check_settings(settings)
    reason = closed_reason(settings, host)
    if reason is not None:
        log.warning("Teams is off: %s", reason)
        return False
    if not settings.microsoft_app_id:
        log.info("Teams accepts unsigned activities on %s (development mode, loopback "
                 "only): never expose this port", host)
    return True
