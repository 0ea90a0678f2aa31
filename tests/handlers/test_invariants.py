"""Random sequences of commands by everyone never break the workflow's invariants.

Runs on the suite's store (SQLite, then PostgreSQL in the full run). The number of
sequences is kept small for the suite; set S3DESK_INVARIANT_EXAMPLES (and optionally
S3DESK_INVARIANT_STEPS) to run thousands on demand, e.g.

    S3DESK_INVARIANT_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/handlers/test_invariants.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from storage.db import Database
from tests.conftest import BRUSSELS
from tests.handlers.invariant_machine import ProgrammeMachine

EXAMPLES = int(os.environ.get("S3DESK_INVARIANT_EXAMPLES", "12"))
STEPS = int(os.environ.get("S3DESK_INVARIANT_STEPS", "40"))


# a second or so per sequence, more on a busy machine: the time allowed grows with them
@pytest.mark.timeout(max(300, EXAMPLES * 5))
def test_random_sequences_keep_the_workflow_invariants(db: Database) -> None:
    config = ProgrammeConfig(timezone=BRUSSELS)
    desk = Desk(db, load_registry(), config)
    run_state_machine_as_test(
        lambda: ProgrammeMachine(db, desk, config),
        settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
                          # the suite's few sequences are the same on every run
                          derandomize=EXAMPLES <= 50,
                          suppress_health_check=list(HealthCheck)),
    )


def test_the_machine_types_every_verb_that_changes_state() -> None:
    """A new command that changes state fails here until the machine drives it too."""
    source = (Path(__file__).parent / "invariant_machine.py").read_text(encoding="utf-8")
    missing = [c.verb for c in load_registry().all() if c.writes
               and not re.search(rf"[\"']{re.escape(c.verb)}[ \"]", source)]
    assert missing == []
