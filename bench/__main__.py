"""`python -m bench [options]` (what `make bench` runs). Environment: BENCH_PG_URL (an admin URL of
the PostgreSQL server, default postgresql://postgres@127.0.0.1:5432/postgres) and BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13, a Redis database the bench empties at start and end)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Options, run  # noqa: E402


def parse(argv: list[str]) -> Options:
    d = Options()
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", type=int, default=d.small, help="people in the first pass (default %(default)s)")
    p.add_argument("--large", type=int, default=d.large,
                   help="people in the second pass, 0 for none (default %(default)s)")
    p.add_argument("--duration", type=int, default=d.duration, help="seconds per wrk run (default %(default)s)")
    p.add_argument("--warmup", type=int, default=d.warmup, help="warm-up seconds before each run")
    p.add_argument("--connections", type=int, default=d.connections)
    p.add_argument("--threads", type=int, default=d.threads, help="wrk threads")
    p.add_argument("--workers", type=int, default=d.workers, help="gunicorn workers (0: 2 x cores)")
    p.add_argument("--worker-class", default=d.worker_class, choices=("sync", "gthread"))
    p.add_argument("--worker-threads", type=int, default=d.worker_threads, help="threads per gthread worker")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--budget", type=int, default=d.budget, help="seconds after which scenarios are skipped")
    p.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    a = p.parse_args(argv)
    return Options(admin_url=os.environ.get("BENCH_PG_URL", d.admin_url),
                   redis_url=os.environ.get("BENCH_REDIS_URL", d.redis_url), small=a.small, large=a.large,
                   duration=a.duration, warmup=a.warmup, connections=a.connections, threads=a.threads,
                   workers=a.workers, worker_class=a.worker_class, worker_threads=a.worker_threads,
                   seed=a.seed, budget=a.budget, only=tuple(filter(None, a.only.split(","))))


if __name__ == "__main__":
    sys.exit(run(parse(sys.argv[1:])))
