"""The layering is checked by the machine: `lint-imports` with the contracts in pyproject.toml.

The second test proves the contracts bite: one upward import, added to a copy of the tree,
makes the check fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([LINT_IMPORTS, "--config", str(tree / "pyproject.toml"), "--no-cache"],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=120)


def copy_of_the_tree(tmp_path: Path) -> Path:
    for package in ("bot", "handlers", "storage"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_layer_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_check(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path)
    with (tree / "storage" / "text.py").open("a", encoding="utf-8") as module:
        module.write("\nfrom handlers.core import desk  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Layers: bot -> handlers -> storage BROKEN" in result.stdout


def test_a_platform_import_in_the_core_breaks_the_check(tmp_path: Path) -> None:
    tree = copy_of_the_tree(tmp_path)
    with (tree / "handlers" / "core" / "parse.py").open("a", encoding="utf-8") as module:
        module.write("\nimport slack_sdk  # noqa: E402,F401\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "The core and the store know no chat platform BROKEN" in result.stdout
