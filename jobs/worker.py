"""The queue consumer: `python -m jobs.worker` (or `flask queue worker`). gunicorn.conf.py starts one
by itself unless QUEUE_WORKER=external (then run this under the service manager, one or more)."""
from __future__ import annotations

import logging
import sys


def run(app) -> None:
    huey = app.extensions["queue"]
    if huey.immediate:
        sys.exit("QUEUE_URL=memory:// runs tasks in the web process; there is nothing to consume")
    sqlite = type(huey).__name__ == "SqliteHuey"
    consumer = huey.create_consumer(
        workers=app.config["QUEUE_THREADS"], worker_type="thread", periodic=True,
        # SQLite is polled: wake fast after work, at most 0.5 s idle. Redis blocks on BRPOP.
        initial_delay=0.05, backoff=1.5, max_delay=0.5 if sqlite else 2.0)
    consumer.run()


def main() -> None:
    from app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s queue %(levelname)s %(name)s: %(message)s")
    run(create_app())


if __name__ == "__main__":
    main()
