"""The Teams settings checks, kept free of botbuilder so a server can run them at start-up
without loading the Bot Framework SDK."""

from __future__ import annotations

from bot.config import Settings


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
    if settings.env == "production" and missing:
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
