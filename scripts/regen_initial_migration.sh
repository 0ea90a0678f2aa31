#!/usr/bin/env bash
# Rewrites the initial migration from the models (only while no store has been deployed).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f storage/migrations/versions/0001_initial.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from storage.migrate import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
PY
mv storage/migrations/versions/0001_initial_schema.py storage/migrations/versions/0001_initial.py
rm -rf "$tmp"
echo "wrote storage/migrations/versions/0001_initial.py"
