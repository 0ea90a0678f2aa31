"""Run the real `s3desk serve` as a subprocess on 127.0.0.1, for end-to-end tests.

The server gets the test store's DATABASE_URL, Slack credentials, and `SLACK_API_URL`
pointing at a local fake Web API, and is waited for on /healthz. Its log goes to a file the
tests may read (to check that no request body was logged).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent.parent
START_SECONDS = 60
# the `s3desk` console script of this environment (the [project.scripts] entry)
S3DESK = Path(sys.executable).with_name("s3desk")


def fresh_store(directory: Path, name: str = "own.db") -> Database:
    """A migrated SQLite store of a test's own, for a server that must not share the suite's
    store (one `s3desk serve` per SQLite file)."""
    db = Database(f"sqlite:///{directory / name}")
    upgrade(db)
    return db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(env: dict[str, str], log_path: Path, host: str = "127.0.0.1",
                 extra_args: tuple[str, ...] = ()) -> RunningServer:
    """`s3desk serve` on a free port of `host`, reached through 127.0.0.1 all the same."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("SLACK_", "MICROSOFT_", "S3DESK_", "DATABASE_URL"))}
    full_env.update({"S3DESK_ENV": "development", "PYTHONUNBUFFERED": "1", **env})
    argv = [str(S3DESK), "serve", "--host", host, "--port", str(port), *extra_args]
    log_file = log_path.open("wb")
    process = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=log_file,
                               stderr=subprocess.STDOUT)
    log_file.close()
    server = RunningServer(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"s3desk serve exited at start:\n{server.log()[-3000:]}")
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2):
                return server
        except urllib.error.HTTPError:
            return server  # 503 while the first tick is pending: the server is up
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"s3desk serve did not answer in time:\n{server.log()[-3000:]}")


def http_get(url: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def wait_until(condition, timeout: float = 20.0, every: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll until `condition()` is truthy (outbox posts happen in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
