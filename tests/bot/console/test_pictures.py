"""The console has no images: `stats chart` saves the chart as a PNG file and prints where."""

from __future__ import annotations

import io
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

from bot.console.session import run_console
from handlers.core.desk import Desk
from storage.db import Database
from tests.conftest import make_person
from tests.fakes.s3desk_server import ROOT, S3DESK

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SAVED = re.compile(r"Chart saved to (\S+\.png)")


def test_the_real_console_saves_the_chart_and_prints_its_path(
        db: Database, database_url: str, tmp_path: Path) -> None:
    make_person(db, "sec", "secretariat")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3DESK_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, TMPDIR=str(tmp_path))
    done = subprocess.run([str(S3DESK), "console", "--as", "sec"], input="stats chart\nquit\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    [path] = SAVED.findall(done.stdout)
    picture = Path(path)
    assert picture.parent == tmp_path / "s3desk"
    assert picture.read_bytes().startswith(PNG_MAGIC)
    assert "S3 Desk in figures" in done.stdout


def test_a_chart_goes_to_the_folder_asked_for_and_plain_answers_save_nothing(
        desk: Desk, people: dict[str, int], now: datetime, tmp_path: Path) -> None:
    out = io.StringIO()
    run_console(desk, "obs", io.StringIO("stats\nstats chart\n"), out, clock=lambda: now,
                pictures=tmp_path)
    [path] = SAVED.findall(out.getvalue())
    assert Path(path) == tmp_path / "s3-desk-in-figures-20261126-100000.png"
    assert [p.name for p in tmp_path.iterdir()] == [Path(path).name]
