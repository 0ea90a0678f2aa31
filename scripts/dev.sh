#!/usr/bin/env bash
# Install S3 Desk into .venv and run it: `demo` (console on demo data) or `test` (the whole suite).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

install() {
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".[dev]"
        touch .venv/.installed
    fi
}

case "${1:-}" in
    install) install ;;
    demo)
        install
        export DATABASE_URL=${DATABASE_URL:-sqlite:///s3desk-demo.db}
        .venv/bin/s3desk demo-data --if-empty
        exec .venv/bin/s3desk console "${@:2}"
        ;;
    test)
        install
        .venv/bin/ruff check .
        .venv/bin/mypy
        .venv/bin/lint-imports --no-cache
        .venv/bin/python scripts/run_tests.py "${@:2}"
        ;;
    *) echo "usage: scripts/dev.sh install|demo|test" >&2; exit 2 ;;
esac
