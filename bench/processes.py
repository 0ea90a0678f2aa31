"""Servers under test run as their own processes, started and stopped the way an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"

# `s3desk serve`, through the same entry point the installed script uses.
DESK_COMMAND = ("-c", "from bot.cli.main import main; main()", "serve")
BARE_COMMAND = ("-m", "bench.bare")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """One server on 127.0.0.1 and a free port; its output goes to `log_path`."""

    def __init__(self, name: str, args: Sequence[str], env: dict[str, str], log_dir: Path,
                 extra_args: Sequence[str] = ()) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self._argv = [sys.executable, *args, "--host", "127.0.0.1", "--port", str(self.port),
                      *extra_args]
        self._env = {**os.environ, **env}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self, timeout: float = 120.0) -> ServerProcess:
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(self._argv, env=self._env, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=_project_root())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self._process.returncode}:\n"
                                   f"{self.tail()}")
            if self._healthy():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz in {timeout:.0f} s:\n"
                           f"{self.tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def slack_env(api_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "S3DESK_ENV": "development",
    }


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent
