"""A delivery worker process, as `s3desk serve` runs one, posting to the fake platform.

    python -m tests.fakes.worker --db URL (--platform URL | --smtp PORT) --worker-id W
        [--crash before_post|mid_send|after_post] [--clock-offset SECONDS]
        [--lease SECONDS] [--wait-for-go] [--sweep]

With `--smtp` it delivers applicants' letters to a local SMTP server with the real sender
(`mid_send`: it dies halfway through a message).

It prints `ready`, optionally waits for a line on stdin (so several workers start their
claims together), with `--sweep` runs one scheduler tick's reminder sweep first (as each
replica's scheduler does), then delivers until a pass finds nothing due, and prints `done N`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.messenger import Messenger
from handlers.core.config import ProgrammeConfig
from handlers.reminders.sweep import run_sweep
from storage.db import Database
from tests.fakes.platform import HttpSender
from tests.fakes.smtp import CrashingSmtpSender, MailServer


async def deliver(args: argparse.Namespace) -> int:
    db = Database(args.db, pool_size=2)
    offset = timedelta(seconds=args.clock_offset)

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    if args.sweep:
        with db.transaction() as session:
            run_sweep(session, clock(), ProgrammeConfig())
    messenger = Messenger(db, clock=clock, worker_id=args.worker_id,
                          lease=timedelta(seconds=args.lease), pace_seconds=0, batch=10)
    sender: HttpSender | CrashingSmtpSender
    if args.smtp:
        sender = CrashingSmtpSender(MailServer(args.smtp).config(), args.crash)
    else:
        sender = HttpSender(args.platform, args.worker_id, crash=args.crash)
    messenger.register(sender)
    handled = 0
    try:
        while True:
            count = await messenger.deliver_due()
            handled += count
            if count == 0:
                break
    finally:
        if isinstance(sender, HttpSender):
            await sender.close()
        db.dispose()
    return handled


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--platform")
    parser.add_argument("--smtp", type=int)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--crash", choices=("before_post", "mid_send", "after_post"))
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=300.0)
    parser.add_argument("--wait-for-go", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    print("ready", flush=True)
    if args.wait_for_go:
        sys.stdin.readline()
    handled = asyncio.run(deliver(args))
    print(f"done {handled}", flush=True)


if __name__ == "__main__":
    main()
