"""`python -m bench`: measure S3 Desk against the bare app and print one table.

    python -m bench                        # 1,000 and 100,000 applications, SQLite and PostgreSQL
    python -m bench --quick                # a small smoke run (a minute or two)
    python -m bench --sizes 1000 --databases sqlite --requests 1000 --concurrency 1,10
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import machine, report
from bench.fake_slack import FakeSlack
from bench.results import RunResults
from bench.runner import Options, measure_store

QUICK = {"sizes": "300", "databases": "sqlite", "requests": 200, "concurrency": "1,10",
         "alone_requests": 100}


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def _worker_counts(text: str) -> tuple[int, ...]:
    cores = str(os.cpu_count() or 1)
    counts = _ints(text.upper().replace("N", cores))
    return tuple(sorted({n for n in counts if n > 0}))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000",
                        help="applications per generated store (default 1000,100000)")
    parser.add_argument("--databases", default="sqlite,postgres",
                        help="sqlite and/or postgres (PostgreSQL at S3DESK_BENCH_POSTGRES_URL, "
                             "default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--requests", type=int, default=3000,
                        help="requests per concurrency level (default 3000)")
    parser.add_argument("--concurrency", default="1,10,50",
                        help="requests in flight, one level each (default 1,10,50)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 300 applications, SQLite, 200 requests, c=1,10")
    parser.add_argument("--alone-requests", type=int, default=600,
                        help="requests of each command alone, per level c=1,10 (default 600)")
    parser.add_argument("--workers", default="1,2,N",
                        help="`serve --workers` counts to load on the largest PostgreSQL store "
                             "(N: the cores; default 1,2,N; 0 to skip)")
    parser.add_argument("--delivery-rows", type=int, default=1000,
                        help="outbox rows for the delivery measurement (default 1000)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="also profile S3 Desk under load with py-spy, into DIR")
    parser.add_argument("--out", type=Path, default=report.RESULTS,
                        help="where to write the Markdown table (default bench/results/latest.md)")
    options = parser.parse_args(argv)
    if options.quick:
        for key, value in QUICK.items():
            if parser.get_default(key) == getattr(options, key):
                setattr(options, key, value)
        options.delivery_rows = min(options.delivery_rows, 200)
    return options


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    databases = tuple(d.strip() for d in args.databases.split(",") if d.strip())
    unknown = set(databases) - {"sqlite", "postgres"}
    if unknown:
        print(f"unknown database {', '.join(sorted(unknown))}: use sqlite,postgres",
              file=sys.stderr)
        return 2
    results = RunResults()
    monitor = machine.LoadMonitor().start()
    with tempfile.TemporaryDirectory(prefix="s3desk-bench-") as tmp:
        options = Options(sizes=_ints(args.sizes), databases=databases, requests=args.requests,
                          concurrency=_ints(args.concurrency), work_dir=Path(tmp),
                          profile_dir=args.profile, delivery_rows=args.delivery_rows,
                          alone_requests=args.alone_requests,
                          workers=_worker_counts(args.workers))
        with FakeSlack() as slack:
            for kind in options.databases:
                for size in options.sizes:
                    print(f"measuring {kind} at {size:,} applications ...", file=sys.stderr)
                    measure_store(kind, size, options, results, slack)
    monitor.stop()
    results.machine = machine.describe(monitor, databases)
    print(report.write(results, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
