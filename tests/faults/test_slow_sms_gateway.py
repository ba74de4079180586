"""A slow SMS gateway never slows a card check (CONTRACT §11): the real server (gunicorn with its
embedded queue consumer) under a load of card checks while 20 logins send an SMS each, once with a
gateway that answers at once and once with one that answers after 10 s. The card-check p99 of the
second run stays within 1.5x of the first, measured in this run.

Before the task queue, each of those logins held one of the four gunicorn workers for the whole
SMS send, so the clinics' checks queued behind them for seconds.
"""
from __future__ import annotations

import signal
import statistics
import threading
import time
import uuid

import pytest
import requests

from policy import CLINIC_CHECK_LIMITS
from tests import factories as f
from tests.conftest import USE_POSTGRES
from tests.faults import queueprocs as qp

pytestmark = [
    pytest.mark.slow,
    pytest.mark.redis,
    pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL run only (as CI runs the fault tests)"),
    pytest.mark.skipif(not qp.redis_available(), reason="no redis-server binary to start a throwaway Redis"),
]
API = "/api/v1"
STAFF = ("001080001234", "Lê Văn Cường")
CONNECTIONS = 8
PHASE_S = 3.0
ROUNDS = 3
LOGINS = 20
SLOW_S = 10.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


class Load:
    def __init__(self, base: str, headers: dict, body: dict) -> None:
        self.url, self.headers, self.body = f"{base}{API}/clinic/card-checks", headers, body

    def run(self, seconds: float, during=None) -> list[float]:
        latencies: list[float] = []
        failures: list[int] = []
        stop = threading.Event()

        def worker():
            http = requests.Session()  # keep-alive, as a clinic's system does
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    resp = http.post(self.url, json=self.body, headers=self.headers, timeout=30)
                except requests.RequestException as exc:
                    failures.append(type(exc).__name__)
                    continue
                elapsed = time.perf_counter() - t0
                (latencies.append(elapsed) if resp.status_code == 200 else failures.append(resp.status_code))

        threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
        for t in threads:
            t.start()
        side = during() if during else []
        time.sleep(seconds)
        stop.set()
        for t in threads + side:
            t.join()
        assert not failures, failures[:5]
        return latencies


def _logins(base: str, phones: list[str], answers: list[float]):
    def one(phone):
        t0 = time.perf_counter()
        resp = requests.post(f"{base}{API}/auth/login", json={"phone": phone, "password": f.PASSWORD}, timeout=30)
        if resp.status_code == 202:
            answers.append(time.perf_counter() - t0)

    def start() -> list[threading.Thread]:
        threads = [threading.Thread(target=one, args=(phone,)) for phone in phones]
        for t in threads:
            t.start()
        return threads
    return start


def test_a_slow_sms_gateway_does_not_slow_card_checks(app, session, app_config, capsys):
    redis = qp.ThrowawayRedis()
    redis.start()
    gateway = qp.IdempotentGateway()
    _cl, clinic_headers = f.clinic(app, session, staff=STAFF)
    p = f.person(session)
    card = f.card(session, p)
    phone_sets = [[f"+8491{uuid.uuid4().int % 10**7:07d}" for _ in range(LOGINS)] for _ in range(2 * ROUNDS)]
    for phone in [ph for phones in phone_sets for ph in phones]:
        f.account(session, phone=phone)
    body = {"identifier": card.card_number, "full_name": p.full_name, "date_of_birth": "1995-03-05",
            "staff_cccd": STAFF[0], "staff_name": STAFF[1]}
    port = qp.free_port()
    env = qp.env_for(app_config, QUEUE_URL=redis.url, REDIS_URL=redis.url, SMS_BACKEND="http",
                     SMS_HTTP_URL=gateway.url, SMS_HTTP_TIMEOUT="15", QUEUE_WORKER="embedded",
                     # a load of one staff member's checks: the per-staff limits (policy.py) are off here
                     **dict.fromkeys(CLINIC_CHECK_LIMITS, "0"))
    server = qp.start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        load = Load(base, clinic_headers, body)
        load.run(1.0)  # warm-up: every worker's connections open
        fast: list[float] = []
        slow: list[float] = []
        fast_logins: list[float] = []
        slow_logins: list[float] = []
        # Alternating rounds, pooled: on a shared machine the background load drifts over seconds,
        # and both gateways must see the same drift. Each round logs in 20 accounts of its own (the
        # per-phone SMS cap), so every round carries the same password-hashing work.
        for r in range(ROUNDS):
            gateway.delay = 0.0
            fast += load.run(PHASE_S, during=_logins(base, phone_sets[2 * r], fast_logins))
            gateway.delay = SLOW_S
            slow += load.run(PHASE_S, during=_logins(base, phone_sets[2 * r + 1], slow_logins))
        assert len(slow_logins) == LOGINS * ROUNDS and max(slow_logins) < SLOW_S / 2  # answered before their SMS
        assert len(gateway.requests) >= LOGINS  # the sends were under way during the load
        ratio = p99(slow) / p99(fast)
        with capsys.disabled():
            print(f"\ncard check p99 fast gateway {p99(fast) * 1000:.1f} ms (n={len(fast)}, median "
                  f"{statistics.median(fast) * 1000:.1f}), slow gateway {p99(slow) * 1000:.1f} ms (n={len(slow)}, "
                  f"median {statistics.median(slow) * 1000:.1f}); ratio {ratio:.2f}; login answers max "
                  f"{max(fast_logins) * 1000:.0f} / {max(slow_logins) * 1000:.0f} ms")
        assert ratio <= 1.5
    finally:
        qp.stop(server, signal.SIGKILL)
        gateway.close()
        redis.stop()
