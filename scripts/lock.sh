#!/usr/bin/env bash
# Pin every dependency with hashes: requirements.lock (what the image runs) and
# requirements-dev.lock (the same pins plus the test tools, what CI and .venv install).
# pyproject.toml keeps the ranges; run this after changing them, and commit both files.
# Resolved against PyPI alone (no local mirror or wheel folder) for CPython 3.11 on Linux,
# the interpreter of the image and of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TOOLS=$(mktemp -d)
trap 'rm -rf "$TOOLS"' EXIT
"$PY" -m venv "$TOOLS"
"$TOOLS/bin/pip" install --quiet pip-tools
compile() {
    env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
        CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh" "$TOOLS/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --all-build-deps \
        --strip-extras --index-url https://pypi.org/simple --no-emit-index-url \
        "$@" pyproject.toml
}
compile --output-file requirements.lock
# the dev pins are held to the image's pins, so CI tests exactly what the image runs
compile --extra dev --constraint requirements.lock --output-file requirements-dev.lock
