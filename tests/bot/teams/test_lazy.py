"""A server that never meets Teams never loads the Bot Framework SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from bot.config import Settings
from bot.services import build_services
from bot.web import build_web_app
from storage.db import Database
from storage.migrate import upgrade

db = Database(sys.argv[1])
upgrade(db)
services = build_services(Settings.from_env({"DATABASE_URL": sys.argv[1]}), db=db)
app = build_web_app(services)
routes = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
assert "/api/messages" in routes and "teams" in services.messenger.senders
print("before", any(name.startswith("botbuilder") for name in sys.modules))
teams = services.messenger.senders["teams"]
asyncio.run(teams.parts())
print("after", any(name.startswith("botbuilder") for name in sys.modules))
"""


def test_botbuilder_loads_only_when_teams_is_first_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lazy.db'}"
    result = subprocess.run([sys.executable, "-c", SCRIPT, url], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["before", "False", "after", "True"]
