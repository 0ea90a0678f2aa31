"""`s3desk serve` keeps what start-up built out of the cyclic collector's full passes and
loads no validation library: settings and the command line are read without pydantic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

from tests.fakes.s3desk_server import free_port, wait_until
from tests.paths import ROOT

# run `s3desk serve` and, as it exits, report how many objects the collector leaves alone
# and whether pydantic was ever loaded
SERVE_AND_REPORT = """
import atexit, gc, sys
atexit.register(lambda: print(f"frozen={gc.get_freeze_count()} "
                              f"pydantic={'pydantic' in sys.modules}", file=sys.stderr))
from bot.cli.main import main
main()
"""


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return int(answer.status) == 200
    except OSError:
        return False


def test_serve_freezes_what_start_up_built_and_never_loads_pydantic(database_url: str) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "S3DESK_ENV": "development"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    # one worker: the process that serves is the one that reports (on PostgreSQL the default
    # is a worker per core, forked children that leave without running exit handlers)
    server = subprocess.Popen([sys.executable, "-c", SERVE_AND_REPORT, "serve", "--port",
                               str(port), "--workers", "1"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answered = wait_until(lambda: _healthy(port), timeout=60, every=0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert answered and server.returncode == 0, err
    frozen = int(err.rpartition("frozen=")[2].split()[0])
    # the libraries and the app alone are tens of thousands of objects
    assert frozen > 20_000, err
    # about 6 MB in every process (typer from 0.29 validates options with it)
    assert "pydantic=False" in err, err
