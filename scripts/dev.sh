#!/usr/bin/env bash
# Install S3 Desk into .venv and run it: `demo` (console on demo data) or `test` (the whole suite).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

install() {
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ] \
            || [ requirements-dev.lock -nt .venv/.installed ]; then
        # exactly the pinned, hash-checked versions (scripts/lock.sh writes the lock), then
        # the project itself with nothing more fetched
        .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
        .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation --no-index -e .
        .venv/bin/python -m pip check
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
