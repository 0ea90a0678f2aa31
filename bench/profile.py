"""Where a server spends its time under load: py-spy samples every thread of the running process.

py-spy attaches to the server by pid (the server runs unchanged, as measured) and samples
only the thread holding the GIL, so the samples show where Python spends CPU (time waiting
on a socket or on the database is not in them). It writes collapsed stacks; the summary
beside them splits the samples by layer (HTTP and Bolt, the transaction, resolving the
actor, the command, rendering, logging) and lists the functions seen most, inclusive and self.
Install it with `pip install py-spy`; attaching needs ptrace rights (root, or
`kernel.yama.ptrace_scope=0`). Figures measured while profiling are not reported.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

RATE = 250
TOP = 40


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile_server(pid: int, out: Path, load: Callable[[], None]) -> Path | None:
    """Run `load` with py-spy attached to `pid`; returns the summary file, or None."""
    tool = py_spy()
    if tool is None:
        print("profile skipped: py-spy is not installed (pip install py-spy)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen([tool, "record", "--pid", str(pid), "--rate", str(RATE),
                            "--format", "raw", "--threads", "--nonblocking", "--gil",
                            "--output", str(out)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        load()
    finally:
        spy.send_signal(signal.SIGINT)
        _, err = spy.communicate(timeout=60)
    if not out.exists():
        print(f"profile failed: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
        return None
    summary = out.with_suffix(".summary.txt")
    summary.write_text(summarise(out.read_text()))
    return summary


# (layer, substrings of a frame that put a sample in it); a sample counts in every layer whose
# frame is on its stack, so layers nest (the command is inside the desk)
LAYERS = (
    ("whole request in the desk (Desk.handle)", ("Desk.handle ",)),
    ("  transaction begin/commit (storage/db.py)", ("Connection.begin ", "Connection.commit",
                                                    "Transaction.commit", "Session.close")),
    ("  actor resolution", ("resolve_actor",)),
    ("  the command's handler", ("Desk._run (handlers/core/desk.py:1",)),
    ("  outbox fan-out", ("fanout.py",)),
    ("  SQL compile and ORM (SQLAlchemy)", ("orm_execute_statement", "_compile_w_cache",
                                            "loading.py", "cache_key.py")),
    ("  database driver (execute, fetch)", ("do_execute", "fetchall", "fetchone",
                                            "do_commit")),
    ("Slack reply rendering (bot/slack/render.py)", ("render.py",)),
    ("Bolt dispatch (signature, parsing, listener)", ("async_dispatch",)),
    ("logging", ("Logger.", "StreamHandler", "AccessLogger")),
    ("outbox delivery (messenger)", ("messenger.py",)),
    ("scheduler tick", ("scheduler.py",)),
)


def summarise(collapsed: str, top: int = TOP) -> str:
    """Samples by layer, then top functions by inclusive and self samples (py-spy raw output)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith(("thread ", "process "))]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
        for name, needles in LAYERS:
            if any(needle in frame for frame in frames for needle in needles):
                layers[name] += count
    total = total or 1
    lines = [f"{total} samples of the thread holding the GIL", "", "by layer:"]
    lines += [f"{100 * layers[name] / total:5.1f}%  {name}" for name, _ in LAYERS]
    lines += ["", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines) + "\n"
