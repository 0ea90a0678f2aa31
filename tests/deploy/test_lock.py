"""The lock files: pyproject.toml keeps ranges, requirements.lock pins what the image runs,
requirements-dev.lock the same pins plus the test tools (what CI installs); every pin is
hash-checked and falls inside pyproject's range. A range changed without `bash
scripts/lock.sh` fails here, before an image or a CI run finds out."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.paths import ROOT

_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M)


def pins(name: str) -> dict[str, tuple[str, int]]:
    """package -> (version, number of hashes)."""
    text = (ROOT / name).read_text("utf-8")
    found = {canonicalize_name(m.group(1)): (m.group(2), m.group(3).count("--hash="))
             for m in _PIN.finditer(text)}
    listed = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(found) == len(listed), "a line of the lock is not `name==version` with hashes"
    return found


def project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def within(requirements: list[str], locked: dict[str, tuple[str, int]]) -> list[str]:
    """The requirements whose locked version is missing or outside the range."""
    wrong = []
    for line in requirements:
        requirement = Requirement(line)
        pinned = locked.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned[0], prereleases=True):
            wrong.append(f"{line} (locked: {pinned[0] if pinned else 'absent'})")
    return wrong


def test_every_pin_has_hashes_and_the_build_backend_is_pinned_too() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        locked = pins(name)
        assert all(count >= 1 for _, count in locked.values()), name
        build = project()["build-system"]["requires"]  # type: ignore[index]
        assert within(build, locked) == [], name


def test_the_locks_fall_inside_pyprojects_ranges_and_agree() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    meta = project()["project"]
    assert within(meta["dependencies"], runtime) == []  # type: ignore[index]
    assert within(meta["optional-dependencies"]["dev"], dev) == []  # type: ignore[index]
    # CI tests exactly what the image runs
    assert {name: dev[name][0] for name in runtime} == {
        name: pinned for name, (pinned, _) in runtime.items()}


def test_this_environment_was_installed_from_the_dev_lock() -> None:
    dev = pins("requirements-dev.lock")
    installed = {name: version(name) for name in dev if name not in ("setuptools", "wheel")}
    assert installed == {name: dev[name][0] for name in installed}
