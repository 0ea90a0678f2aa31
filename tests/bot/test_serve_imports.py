"""What a serving process keeps in memory: libraries a command may need are loaded when it
first needs them, migrations run in a child process, and settings are read without pydantic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from datetime import datetime, UTC
from bot.config import Settings
from bot.services import build_services
from bot.web import build_web_app
from bot.workers import migrate_in_child
from handlers.core.desk import Inbound
import bot.cli.main  # every subcommand registered, as `s3desk serve` starts
import bot.server

migrate_in_child(sys.argv[1])
settings = Settings.from_env({"DATABASE_URL": sys.argv[1], "SLACK_BOT_TOKEN": "xoxb-t",
                              "SLACK_SIGNING_SECRET": "s", "S3DESK_ENV": "development"})
services = build_services(settings)
build_web_app(services)
for text in ("help", "list", "reminders"):
    services.desk.handle(Inbound("console", "nobody", text, datetime.now(UTC)))
# pydantic: settings are read without it (a real `s3desk serve`, command line parsed, is
# checked in tests/bot/test_server_memory.py)
heavy = ("alembic", "mako", "matplotlib", "botbuilder", "jinja2", "openpyxl", "icalendar",
         "slack_bolt.adapter.socket_mode", "pydantic", "pydantic_core", "pydantic_settings")
print(json.dumps(sorted({h for h in heavy for m in sys.modules if m == h or
                         m.startswith(h + ".")})))
"""


def test_a_serving_process_loads_no_library_it_has_not_used(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'imports.db'}"
    result = subprocess.run([sys.executable, "-c", SCRIPT, url], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == []
