"""The image, built here step by step as the Dockerfile says, without a container runtime.

Each RUN that installs is run as written (a fresh venv, the hash-checked lock with plain
pip, the project with nothing fetched), with the image's paths moved under a temporary
folder; COPY copies what the build context lets through; the CMD then serves as the image
would, as its USER would (no write outside the VOLUME), and the HEALTHCHECK's own command
says healthy while it serves and unhealthy once it stopped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.dockerfile import ImageRoot, Step, env_of, only, steps
from tests.fakes.s3desk_server import free_port, wait_until
from tests.paths import ROOT

IMAGE_PORT = "3978"


def built_env(found: list[Step], image: ImageRoot, python_dir: Path) -> dict[str, str]:
    """The image's ENV, its paths moved; `python` is the base interpreter (as in the image)."""
    env = {"HOME": str(image.root / "home"), "LANG": "C.UTF-8"}
    for key, value in env_of(found).items():
        value = value.replace("$PATH", f"{python_dir}:{os.environ['PATH']}")
        env[key] = image.here(value)
    # the machine's pip settings (a local mirror of the index) stay: the hashes decide
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_")})
    return env


def context_allows(source: str) -> bool:
    """Is `source` let through by .dockerignore (everything out, listed names back in)?"""
    allowed = {line.strip().lstrip("!").rstrip("/") for line in
               (ROOT / ".dockerignore").read_text("utf-8").splitlines()
               if line.strip().startswith("!")}
    return source.rstrip("/") in allowed


def build(found: list[Step], image: ImageRoot, env: dict[str, str]) -> str:
    """Run the build steps; returns the user the image runs as."""
    workdir = image.root
    users: set[str] = set()
    for step in found:
        if step.keyword == "WORKDIR":
            workdir = image.path(step.args)
            workdir.mkdir(parents=True, exist_ok=True)
        elif step.keyword == "COPY":
            *sources, dest = shlex.split(step.args)
            for source in sources:
                assert context_allows(source), f"{source} is kept out by .dockerignore"
                target = workdir / dest
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns(
                        "__pycache__", "*.pyc"))
                else:
                    shutil.copy(ROOT / source, target)
        elif step.keyword == "RUN" and step.args.startswith("useradd "):
            # creating the user and its folders needs root: checked, not run
            words = shlex.split(step.args.split("&&")[0])
            users.add(words[-1])
            for folder in re.findall(r"mkdir (\S+)", step.args):
                image.path(folder).mkdir(parents=True)
        elif step.keyword == "RUN":
            done = subprocess.run(["sh", "-c", image.here(step.args)], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, f"{step.args}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    user = only(found, "USER").args
    assert user in users and user not in ("root", "0")
    return user


def health(command: list[str], env: dict[str, str], port: int) -> int:
    argv = [part.replace(f":{IMAGE_PORT}/", f":{port}/") for part in command]
    return subprocess.run(argv, env=env, capture_output=True, timeout=30).returncode


def test_the_image_builds_from_the_lock_and_serves_healthy(tmp_path: Path) -> None:
    if os.environ.get("S3DESK_TEST_DATABASE_URL"):
        pytest.skip("the image's build does not depend on the test store: it is built once, "
                    "in the SQLite run")
    found = steps()
    assert only(found, "FROM").args == "python:3.11-slim"
    assert sys.version_info[:2] == (3, 11)
    image = ImageRoot(tmp_path / "image", found)
    python_dir = tmp_path / "base-python"
    python_dir.mkdir()
    (python_dir / "python").symlink_to(getattr(sys, "_base_executable", sys.executable))
    env = built_env(found, image, python_dir)
    build(found, image, env)

    assert only(found, "EXPOSE").args == IMAGE_PORT
    command = only(found, "CMD").exec_form()
    assert command[:2] == ["s3desk", "serve"] and command[-2:] == ["--port", IMAGE_PORT]
    port = free_port()
    # what `docker run -e ...` adds: production needs the Azure Bot's credentials
    run_env = {**env, "MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001",
               "MICROSOFT_APP_PASSWORD": "image-test-secret"}
    (volume,) = json.loads(only(found, "VOLUME").args)
    data = image.path(volume)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([*command[:-1], str(port)], cwd=data, env=run_env,
                                  stdout=log, stderr=subprocess.STDOUT)
    healthcheck = only(found, "HEALTHCHECK").exec_form()
    try:
        assert wait_until(lambda: health(healthcheck, env, port) == 0, timeout=120), \
            log_path.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            assert b"s3desk_up 1.0" in answer.read()
        # the server runs on the image's own venv, and its store lives in the volume
        interpreter = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")[0]
        assert interpreter.decode() == str(image.path("/opt/venv/bin/python"))
        assert (data / "s3desk.db").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(60)
    assert code == 0, log_path.read_text()
    assert health(healthcheck, env, port) != 0

