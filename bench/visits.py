"""Visit scenarios of `make bench` (issue 14), registered at the end of bench/scenarios.py:

- `visits_submit_1k`: one 1,000-visit GIAMDINHHS file through POST /api/qd130/guiHoSoXmlQD4750, as a
  hospital system sends it (visits/s, the whole file validated and written in one transaction);
- `me_visits_scale`: GET /api/v1/me/visits p50 (one connection, no queueing) with 1,000,000 visits in
  the table, then again after growing it to 10,000,000 (set-based SQL, services/seed_visits.py);
  target: the second p50 within 1.25 x the first.

Run alone: `python -m bench --only visits_submit_1k,me_visits_scale --small 100000 --large 0 --budget 3600`.
"""
from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from bench.base import Skip, log
from bench.context import Context
from bench.scenario_data import (
    API,
    FACILITY,
    Scenario,
    client_token,
    linked_citizens,
    people,
    today_vn,
)

FILE_VISITS = 1_000
# BENCH_VISIT_STEPS="100000,1000000" measures a smaller pair (the 10 M step takes ~40 min here).
SCALE_STEPS = tuple(int(n) for n in os.environ.get("BENCH_VISIT_STEPS", "1000000,10000000").split(","))
ROUNDS = 3  # passes over the linked citizens per measurement


def _file(ctx: Context) -> str:
    # The file is built as the tests build it: one XML1 builder for both (tests/api/visits/helpers.py).
    from tests.api.visits.helpers import envelope, visit

    chosen = people(ctx, 2 * FILE_VISITS)[-FILE_VISITS:]  # the first ones become linked citizens
    if len(chosen) < FILE_VISITS:
        raise Skip(f"only {len(chosen)} holders of a current card")
    day = today_vn() - timedelta(days=1)
    stamp = f"{day:%Y%m%d}"
    run = int(time.time())
    visits = [visit(f"BENCH{run}-{k}", HO_TEN=p["full_name"], NGAY_SINH=f"{p['date_of_birth']:%Y%m%d}0000",
                    GIOI_TINH="1" if p["gender"] == "male" else "2", MA_THE_BHYT=p["card_number"], SO_CCCD=p["cccd"],
                    MA_DKBD=FACILITY, MA_CSKCB=FACILITY, GT_THE_TU=f"{day.year}0101", GT_THE_DEN=f"{day.year}1231",
                    NGAY_VAO=f"{stamp}0800", NGAY_RA=f"{stamp}0930")
              for k, p in enumerate(chosen)]
    return envelope(visits, facility=FACILITY)


def submit_file(ctx: Context) -> dict:
    file_b64 = _file(ctx)
    token = client_token(ctx, "clinic")
    form = {"username": f"{FACILITY}_BV", "loaiHoSo": "130", "maTinh": FACILITY[:2], "maCSKCB": FACILITY,
            "fileHSBase64": file_b64}
    started = time.perf_counter()
    resp = ctx.http.post(ctx.base_url + "/api/qd130/guiHoSoXmlQD4750", data=form, timeout=300,
                         headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    body = resp.json()
    if resp.status_code != 200 or body.get("maKetQua") != "200":
        raise RuntimeError(f"guiHoSoXmlQD4750 answered {resp.status_code}: {str(body)[:400]}")
    return {"throughput": FILE_VISITS / elapsed, "requests": 1, "errors": 0, "p50_ms": elapsed * 1000,
            "p99_ms": elapsed * 1000, "note": f"{FILE_VISITS:,} visits, {len(file_b64) / 1e6:.1f} MB base64, "
                                              f"{elapsed:.2f} s",
            "detail": {"seconds": round(elapsed, 3), "file_bytes": len(file_b64)}}


def _p50(ctx: Context, tokens: list[str]) -> tuple[float, float, int]:
    times, items = [], 0
    for _ in range(ROUNDS):
        for token in tokens:
            started = time.perf_counter()
            resp = ctx.http.get(ctx.base_url + f"{API}/me/visits", timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
            times.append((time.perf_counter() - started) * 1000)
            if resp.status_code != 200:
                raise RuntimeError(f"/me/visits answered {resp.status_code}: {resp.text[:200]}")
            items += len(resp.json()["items"])
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], items // ROUNDS


def _grow_to(ctx: Context, target: int) -> float:
    have = ctx.sql("SELECT count(*) FROM visits")[0][0]
    if have >= target:
        return 0.0
    started = time.perf_counter()
    log(f"me_visits_scale: adding {target - have:,} visits (set-based SQL)")
    ctx.flask("seed", "synthetic", "--persons", "0", "--visits", str(target - have), timeout=7200)
    return time.perf_counter() - started


def _fresh(ctx: Context, tokens: list[str]) -> list[str]:
    """New access tokens of the same logins: growing the table outlasts a token's 15 minutes."""
    import jwt

    from auth.tokens import issue_access_token

    with ctx.app().app_context():
        claims = [jwt.decode(t, options={"verify_signature": False}) for t in tokens]
        return [issue_access_token(c["sub"], {"typ": "access", "role": "citizen", "sid": c["sid"]}) for c in claims]


def me_visits_scale(ctx: Context) -> dict:
    tokens = linked_citizens(ctx)
    figures = {}
    for target in SCALE_STEPS:
        seeded = _grow_to(ctx, target)
        tokens = _fresh(ctx, tokens)
        _p50(ctx, tokens[:30])  # warm the pools and caches
        p50, p99, items = _p50(ctx, tokens)
        figures[target] = {"p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "items_per_citizen": items / len(tokens),
                           "seed_seconds": round(seeded, 1)}
        log(f"me_visits_scale: {target:,} visits: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    small, large = figures[SCALE_STEPS[0]]["p50_ms"], figures[SCALE_STEPS[-1]]["p50_ms"]
    ratio = large / small
    return {"throughput": None, "p50_ms": large, "p99_ms": figures[SCALE_STEPS[-1]]["p99_ms"],
            "requests": 2 * ROUNDS * len(tokens), "errors": 0,
            "note": f"p50 {small:.2f} ms at {SCALE_STEPS[0]:,} vs {large:.2f} ms at {SCALE_STEPS[-1]:,} visits: {ratio:.2f}x "
                    f"({'within' if ratio <= 1.25 else 'OVER'} the 1.25x target)",
            "detail": {str(k): v for k, v in figures.items()} | {"ratio": round(ratio, 3)}}


SCENARIOS = [
    Scenario("visits_submit_1k", "visit file, 1,000 visits (guiHoSoXmlQD4750)", "http", ("small", "large"), "POST",
             "/api/qd130/guiHoSoXmlQD4750", unit="visits/s", run=submit_file),
    Scenario("me_visits_scale", "GET /me/visits p50, 1 M vs 10 M visits", "http", ("small", "large"), "GET",
             f"{API}/me/visits", unit="ms", run=me_visits_scale),
]
