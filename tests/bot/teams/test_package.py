"""The Teams app package: a manifest Teams accepts, commands that exist, icons as required."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.teams.package import ICONS, PACKAGE_DIR, PackageError, build_manifest, load_manifest
from handlers.commands import load_registry
from tests.paths import FIXTURES

SCHEMA = json.loads((FIXTURES / "schemas" / "teams" /
                     "MicrosoftTeams.schema.json").read_text(encoding="utf-8"))
APP_ID = "2b4c6d8e-5555-4a6e-9c8d-00000000b0b0"
# what Teams itself allows (stricter than the schema's 12 commands and 128 characters)
MAX_COMMANDS = 10
MAX_TITLE = 32


def problems(manifest: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA)
    return [f"{list(e.path)}: {e.message[:160]}" for e in validator.iter_errors(manifest)]


def test_the_committed_manifest_is_valid() -> None:
    manifest = load_manifest()
    assert problems(manifest) == []
    assert manifest["manifestVersion"] == SCHEMA["properties"]["manifestVersion"]["const"]
    [bot] = manifest["bots"]
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]


def test_the_schema_really_checks() -> None:
    broken = {k: v for k, v in load_manifest().items() if k not in ("developer", "icons")}
    found = " ".join(problems(broken))
    assert "developer" in found and "icons" in found


def test_every_listed_command_exists_and_fits_teams_limits() -> None:
    registry = load_registry()
    [bot] = load_manifest()["bots"]
    scopes = set()
    for command_list in bot["commandLists"]:
        scopes |= set(command_list["scopes"])
        commands = command_list["commands"]
        assert len(commands) <= MAX_COMMANDS
        titles = [c["title"] for c in commands]
        assert len(set(titles)) == len(titles)
        for command in commands:
            assert len(command["title"]) <= MAX_TITLE
            assert registry.get(command["title"]) is not None, command["title"]
            assert command["description"]
    assert scopes == {"personal", "team", "groupChat"}


def test_the_package_fills_in_the_bot_and_the_domain() -> None:
    manifest = build_manifest(APP_ID.upper(), ["https://desk.example.eu/api/messages"])
    assert problems(manifest) == []
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["desk.example.eu"]
    for wrong in ("", "not-a-guid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(PackageError):
            build_manifest(wrong)
    with pytest.raises(PackageError):
        build_manifest(APP_ID, ["not a host"])


def test_icons_have_the_sizes_teams_wants() -> None:
    colour = Image.open(PACKAGE_DIR / "color.png")
    assert colour.size == (192, 192)
    outline = Image.open(PACKAGE_DIR / "outline.png").convert("RGBA")
    assert outline.size == (32, 32)
    pixels = list(outline.get_flattened_data())
    # white on transparency only
    assert {p[:3] for p in pixels if p[3]} == {(255, 255, 255)}
    assert any(p[3] == 0 for p in pixels)


def test_s3desk_teams_package_writes_a_zip_to_upload(tmp_path: Path) -> None:
    out = tmp_path / "teams.zip"
    runner = CliRunner()
    result = runner.invoke(cli, ["teams-package", "--out", str(out), "--domain",
                                 "desk.example.eu"], env={"MICROSOFT_APP_ID": APP_ID})
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(["manifest.json", *ICONS])
        manifest = json.loads(archive.read("manifest.json"))
        Image.open(io.BytesIO(archive.read("color.png"))).verify()
    assert problems(manifest) == []
    assert manifest["bots"][0]["botId"] == APP_ID
    refused = runner.invoke(cli, ["teams-package", "--out", str(tmp_path / "x.zip")],
                            env={"MICROSOFT_APP_ID": ""})
    assert refused.exit_code == 2
    assert "MICROSOFT_APP_ID" in refused.output
    assert not (tmp_path / "x.zip").exists()
