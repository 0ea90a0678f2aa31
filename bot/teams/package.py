"""`s3desk teams-package`: the Teams app package (manifest and icons) as a zip to sideload.

The committed manifest carries a placeholder bot id; the package takes the Azure Bot's app
id from `--app-id` or MICROSOFT_APP_ID, and the server's public host for `validDomains`.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Annotated, Any

import typer

PACKAGE_DIR = Path(__file__).parent / "app_package"
MANIFEST = PACKAGE_DIR / "manifest.json"
ICONS = ("color.png", "outline.png")
PLACEHOLDER_BOT_ID = "00000000-0000-0000-0000-000000000000"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


class PackageError(ValueError):
    """The package cannot be built as asked; the message says why."""


def load_manifest() -> dict[str, Any]:
    return dict(json.loads(MANIFEST.read_text(encoding="utf-8")))


def build_manifest(app_id: str, domains: list[str] | None = None) -> dict[str, Any]:
    if not GUID.match(app_id or "") or app_id == PLACEHOLDER_BOT_ID:
        raise PackageError("the bot's app id must be the Azure Bot's Microsoft App ID (a GUID "
                           "like 2b4c6d8e-0000-4a6e-9c8d-00000000b0b0): set MICROSOFT_APP_ID "
                           "or give --app-id")
    manifest = load_manifest()
    for bot in manifest["bots"]:
        bot["botId"] = app_id.lower()
    hosts = []
    for domain in domains or []:
        host = domain.strip().lower().removeprefix("https://").split("/")[0]
        if not HOST.match(host):
            raise PackageError(f"`{domain}` is not a host name like desk.example.eu")
        hosts.append(host)
    manifest["validDomains"] = sorted(set(manifest.get("validDomains", [])) | set(hosts))
    return manifest


def write_package(out: Path, app_id: str, domains: list[str] | None = None) -> Path:
    manifest = build_manifest(app_id, domains)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # Teams reads the three files from the root of the zip, not from a folder
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for icon in ICONS:
            archive.write(PACKAGE_DIR / icon, icon)
    return out


def teams_package(
    out: Annotated[Path, typer.Option("--out", help="Where to write the zip.")] =
        Path("s3desk-teams.zip"),
    app_id: Annotated[str | None, typer.Option(
        "--app-id", help="The Azure Bot's Microsoft App ID (default: MICROSOFT_APP_ID).")] = None,
    domain: Annotated[list[str] | None, typer.Option(
        "--domain", help="The server's public host name (repeatable).")] = None,
) -> None:
    """Build the Teams app package (manifest.json and icons) to sideload or publish."""
    from bot.cli.support import settings

    chosen = app_id or settings().microsoft_app_id or ""
    try:
        written = write_package(out, chosen, domain)
    except PackageError as exc:
        typer.echo(f"s3desk: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Wrote {written} for bot {chosen.lower()}: upload it in Teams (Apps, Manage "
               "your apps, Upload an app).")


def register(cli: typer.Typer) -> None:
    cli.command("teams-package")(teams_package)
