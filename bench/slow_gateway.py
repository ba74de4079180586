"""`slow_gateway`: card checks while 20 logins wait on an SMS gateway that answers after 10 s
(docs/notifications.md). The same load runs first with the gateway answering at once; the figure
is the card-check p99 under the slow gateway, and the note gives the ratio to the fast one.

The bench's SMS sink answers at once; for the slow half its request handler is wrapped to sleep
first (restored afterwards), so the server talks to the same gateway URL throughout.
"""
from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.context import Context
from bench.scenario_data import API, CHECK_PATH, PASSWORD, Scenario, card_checks

CONNECTIONS = 32
SECONDS = 5.0
LOGINS = 20
SLOW_S = 10.0


def _accounts(ctx: Context, prefix: str) -> list[str]:
    import clock
    import db
    from auth.passwords import hash_password
    from models import Account

    phones = [f"+84{prefix}{k:07d}" for k in range(LOGINS)]
    with ctx.app().app_context():
        session = db.session()
        password_hash = hash_password(PASSWORD)
        session.add_all([Account(phone=ph, password_hash=password_hash, full_name="Nguyễn Văn Chậm",
                                 role="citizen", created_at=clock.now()) for ph in phones])
        session.commit()
    return phones


def _load(ctx: Context, entries: list[dict], phones: list[str]) -> tuple[list[float], list[float]]:
    import requests

    checks: list[float] = []
    logins: list[float] = []
    stop = threading.Event()

    def checker(k: int) -> None:
        http = requests.Session()
        entry = entries[k % len(entries)]
        headers = {"Authorization": f"Bearer {entry['auth']}", "Content-Type": "application/json"}
        while not stop.is_set():
            t0 = time.perf_counter()
            resp = http.post(ctx.base_url + CHECK_PATH, data=entry["body"], headers=headers, timeout=60)
            if resp.status_code == 200:
                checks.append(time.perf_counter() - t0)

    def login(phone: str) -> None:
        t0 = time.perf_counter()
        resp = requests.post(ctx.base_url + f"{API}/auth/login", json={"phone": phone, "password": PASSWORD},
                             timeout=60)
        if resp.status_code == 202:
            logins.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=checker, args=(k,)) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    with ThreadPoolExecutor(LOGINS) as pool:
        list(pool.map(login, phones))
    time.sleep(SECONDS)
    stop.set()
    for t in threads:
        t.join()
    return checks, logins


def _slow_handler(base):
    class Slow(base):
        def do_POST(self):
            time.sleep(SLOW_S)
            super().do_POST()
    return Slow


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else float("nan")


def run(ctx: Context) -> dict:
    entries = card_checks("card_number")(ctx)
    fast_phones, slow_phones = _accounts(ctx, "96"), _accounts(ctx, "95")
    fast, fast_logins = _load(ctx, entries, fast_phones)
    server = ctx.sms.server
    original = server.RequestHandlerClass
    server.RequestHandlerClass = _slow_handler(original)
    try:
        slow, slow_logins = _load(ctx, entries, slow_phones)
    finally:
        server.RequestHandlerClass = original
    ratio = _p99(slow) / _p99(fast)
    return {"throughput": len(slow) / SECONDS, "errors": 2 * LOGINS - len(fast_logins) - len(slow_logins),
            "requests": len(fast) + len(slow), "p50_ms": statistics.median(slow) * 1000, "p99_ms": _p99(slow) * 1000,
            "note": f"{CONNECTIONS} connections, {LOGINS} logins, gateway {SLOW_S:.0f} s: p99 {ratio:.2f}x "
                    f"the fast gateway's {_p99(fast) * 1000:.1f} ms",
            "detail": {"fast_p99_ms": round(_p99(fast) * 1000, 1), "slow_p99_ms": round(_p99(slow) * 1000, 1),
                       "ratio": round(ratio, 2), "login_answer_max_ms": round(max(slow_logins, default=0) * 1000)}}


SLOW_GATEWAY = Scenario("slow_gateway", "card checks while logins wait on a 10 s SMS gateway", "http",
                        method="POST", path=CHECK_PATH, run=run)
