"""The task queue (Huey): what runs outside requests (docs/notifications.md).

`QUEUE_URL` picks the storage: `sqlite:///…` (the embedded default: a file next to the database,
no server; `make run` starts its consumer from gunicorn.conf.py), `redis://…` (production), or
`memory://` (tests: every task runs at once in the enqueuing process).

The queue carries only outbox ids and job names, never a message body: the database (the outbox)
is what is durable; a lost queue entry is found again by the sweep.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from config import ConfigError
from services import notifications, outbox

log = logging.getLogger(__name__)
QUEUE_NAME = "vssid"


def make_huey(url: str, name: str = QUEUE_NAME) -> Huey:
    if url.startswith("memory:"):
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, blocking=True, read_timeout=1, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    raise ConfigError(f"unknown QUEUE_URL {url!r}: use sqlite:///FILE, redis://HOST:PORT/DB or memory://")


def init_app(app: Flask) -> Huey:
    from integrations import push

    huey = make_huey(app.config["QUEUE_URL"], app.config["QUEUE_NAME"])
    factory = app.extensions["db"].factory
    push_sender = push.from_config(app.config)

    def send(row, body: str) -> None:
        from integrations.sms import SmsRefused

        if row.channel == "sms":
            try:
                app.extensions["runtime"].sms.send(row.recipient, body, idempotency_key=row.id)
            except SmsRefused as exc:
                raise outbox.PermanentFailure(str(exc)) from exc
        else:
            with factory() as session:
                notifications.deliver_push(session, push_sender, row.recipient, body, row.id)

    @huey.task(name="deliver")
    def deliver(message_id: str) -> None:
        with app.app_context(), factory() as session:
            _outcome, delay = outbox.deliver(session, message_id, send)
        if delay is not None:
            deliver.schedule((message_id,), delay=delay)

    @huey.periodic_task(crontab(minute="*"), name="sweep")
    def sweep() -> None:
        with app.app_context(), factory() as session:
            outbox.sweep(session)

    @huey.periodic_task(crontab(minute="*"), name="card_check_notices")
    def card_check_notices() -> None:
        with app.app_context(), factory() as session:
            notifications.derive_card_checks(session)

    @huey.periodic_task(crontab(hour="1", minute="0"), name="expiry_notices")
    def expiry_notices() -> None:
        with app.app_context(), factory() as session:
            notifications.expiry_notices(session)

    @huey.on_startup()
    def sweep_on_start() -> None:  # a restarted worker takes over what its predecessor left
        with app.app_context(), factory() as session:
            outbox.sweep(session, grace=timedelta(0))

    def hint(ids: list[str]) -> None:
        for message_id in ids:
            deliver(message_id)

    outbox.install(factory, outbox.Settings(
        fernet=outbox.fernet_for(app.config["SECRET_KEY"]), hint=hint,
        max_attempts=app.config["OUTBOX_MAX_ATTEMPTS"], backoff_s=app.config["OUTBOX_BACKOFF_S"],
        lease_s=app.config["OUTBOX_LEASE_S"]))
    app.extensions["queue"] = huey
    app.extensions["queue_tasks"] = {"deliver": deliver, "send": send}
    return huey
