"""The task queue loses nothing and sends nothing twice: a consumer killed in the middle of a send,
and Redis (the production queue) restarted with everything it held lost.

Runs against a throwaway redis-server the test starts (never the machine's shared one) and real
consumer processes (`python -m jobs.worker`).
"""
from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from models import OutboxMessage
from services import outbox
from tests.conftest import USE_POSTGRES
from tests.faults import queueprocs as qp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.redis,
    pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL run only (as CI runs the fault tests)"),
    pytest.mark.skipif(not qp.redis_available(), reason="no redis-server binary to start a throwaway Redis"),
]
API = "/api/v1"


@pytest.fixture
def redis_server():
    server = qp.ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queue_app(app_config, redis_server):
    from app import create_app
    from auth import passwords

    passwords.configure(fast=True)
    config = {**app_config, "QUEUE_URL": redis_server.url, "REDIS_URL": None}
    application = create_app(config)
    application.config["_child_config"] = config
    yield application
    application.extensions["db"].dispose()
    from tests.conftest import _clean

    _clean(app_config["DATABASE_URL"])


def test_a_consumer_killed_mid_send_sends_the_message_once_after_restart(queue_app, redis_server):
    gateway = qp.IdempotentGateway(delay=3.0)
    env = qp.env_for(queue_app.config["_child_config"], QUEUE_URL=redis_server.url, SMS_BACKEND="http",
                     SMS_HTTP_URL=gateway.url, SMS_HTTP_TIMEOUT="10", OUTBOX_LEASE_S="2")
    with queue_app.extensions["db"].factory() as s:
        mid = outbox.add_sms(s, "+84912345678", "Mã đăng nhập VssID của bạn là 493817.")
        s.commit()  # the hint is now in Redis
    consumer = qp.start_consumer(env)
    try:
        assert qp.wait_for(lambda: gateway.requests, timeout=30), "the consumer never called the gateway"
        qp.stop(consumer, signal.SIGKILL)  # mid-send: the gateway is still working on it
        assert qp.wait_for(lambda: mid in gateway.delivered, timeout=10)  # ... and does deliver it
        gateway.delay = 0.0
        time.sleep(2.2)  # the dead consumer's lease runs out
        consumer = qp.start_consumer(env)  # its start-up sweep takes the message over
        with queue_app.extensions["db"].factory() as s:
            def settled():
                s.expire_all()
                return s.scalar(select(OutboxMessage.status).where(OutboxMessage.id == mid)) == "sent"
            assert qp.wait_for(settled, timeout=30)
            row = s.get(OutboxMessage, mid)
            assert row.attempts == 2 and row.body is None
        assert gateway.requests == [mid, mid]  # asked twice, with one key ...
        assert list(gateway.delivered) == [mid]  # ... delivered once
    finally:
        qp.stop(consumer, signal.SIGKILL)
        gateway.close()


def _register(client, i: int):
    return client.post(f"{API}/auth/register", json={"phone": f"091234{i:04d}", "password": "Hoa-sen-no-2024",
                                                     "full_name": "Nguyễn Thị Mai"})


def test_redis_restarted_loses_nothing_that_was_acknowledged(queue_app, redis_server):
    client = queue_app.test_client()
    for i in range(5):
        assert _register(client, i).status_code == 202  # committed, hint in Redis
    import redis

    held = redis.Redis.from_url(redis_server.url)
    blobs = b"".join(held.dump(k) or b"" for k in held.keys("*"))
    assert blobs and b"VssID" not in blobs and b"912340" not in blobs  # ids only: no text, no phone
    held.close()
    redis_server.stop()
    assert _register(client, 5).status_code == 202  # the queue is away: still answered, row committed
    redis_server.start()  # empty: every hint it held is gone
    env = qp.env_for(queue_app.config["_child_config"], QUEUE_URL=redis_server.url)
    consumer = qp.start_consumer(env)
    sink = Path(queue_app.config["SMS_OUTBOX_FILE"])
    try:
        def all_sent():
            return sink.exists() and len(sink.read_text(encoding="utf-8").splitlines()) >= 6
        assert qp.wait_for(all_sent, timeout=30)
        time.sleep(1.0)  # would a duplicate still come?
        lines = [json.loads(x) for x in sink.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == 6 and len({x["id"] for x in lines}) == 6
        assert sorted(x["to"] for x in lines) == [f"+8491234{i:04d}" for i in range(6)]
        with queue_app.extensions["db"].factory() as s:
            assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    finally:
        qp.stop(consumer, signal.SIGKILL)
