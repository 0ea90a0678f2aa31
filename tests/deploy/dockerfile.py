"""Read the Dockerfile as Docker does: one instruction a line, `\\` continuations, comments,
JSON exec forms; and place the image's paths under a folder, to build its steps here."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.paths import ROOT

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Step:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON array of CMD, ENTRYPOINT or a HEALTHCHECK's CMD."""
        text = self.args.split(" CMD ", 1)[1] if self.keyword == "HEALTHCHECK" else self.args
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value


def steps(path: Path = DOCKERFILE) -> list[Step]:
    found: list[Step] = []
    pending = ""
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):  # also inside a continued instruction
            continue
        pending = f"{pending} {line[:-1].strip()}" if line.endswith("\\") else f"{pending} {line}"
        if not line.endswith("\\"):
            keyword, _, args = pending.strip().partition(" ")
            found.append(Step(keyword.upper(), " ".join(args.split())))
            pending = ""
    return found


def only(found: list[Step], keyword: str) -> Step:
    (step,) = [s for s in found if s.keyword == keyword]
    return step


def env_of(found: list[Step]) -> dict[str, str]:
    """ENV key=value pairs in order (later ones see earlier ones and $PATH as given)."""
    env: dict[str, str] = {}
    for step in found:
        if step.keyword == "ENV":
            for pair in shlex.split(step.args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


class ImageRoot:
    """The image's absolute paths (its WORKDIRs, VOLUMEs, the venv) under one folder."""

    def __init__(self, root: Path, found: list[Step]) -> None:
        self.root = root
        dirs = {s.args for s in found if s.keyword == "WORKDIR"}
        dirs |= {v for s in found if s.keyword == "VOLUME" for v in json.loads(s.args)}
        dirs |= set(re.findall(r"-m venv (\S+)", " ".join(s.args for s in found)))
        self.dirs = sorted(dirs, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w.])(" + "|".join(re.escape(d) for d in self.dirs) + r")(?=/|\b|$)")

    def here(self, text: str) -> str:
        """`text` with every image path moved under the folder."""
        return self._pattern.sub(lambda m: str(self.root) + m.group(1), text)

    def path(self, image_path: str) -> Path:
        return Path(self.here(image_path))
