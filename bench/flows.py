"""Scenarios that Python drives (login + OTP, the enrollment batch), the local one (offline QR
verification) and the query plans of the card checks."""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.base import ROOT, Skip
from bench.context import Context
from bench.scenario_data import (
    API,
    CHECK_PATH,
    ENROLL_ROWS,
    FACILITY,
    LOGIN_CONCURRENCY,
    LOGINS,
    PASSWORD,
    STAFF,
    client_token,
    people,
    today_vn,
)

# ---------------------------------------------------------------------------------------------------
# http scenarios (Python drives them: several steps per flow, or one big request)


def _percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000}


def login_accounts(ctx: Context, n: int) -> list[str]:
    """Phones of `n` accounts with PASSWORD (one login each: at most 5 SMS per phone an hour)."""
    import clock
    import db
    from auth.passwords import hash_password
    from models import Account

    phones = [f"+8498{k:07d}" for k in range(n)]
    with ctx.app().app_context():
        session = db.session()
        password_hash = hash_password(PASSWORD)  # production Argon2id parameters
        session.add_all([Account(phone=ph, password_hash=password_hash, full_name="Nguyễn Văn Đo Tải",
                                 role="citizen", created_at=clock.now()) for ph in phones])
        session.commit()
    return phones


def login_flow(ctx: Context) -> dict:
    import requests

    phones = login_accounts(ctx, LOGINS)

    def one(phone: str) -> tuple[float, str | None]:
        http = requests.Session()
        started = time.perf_counter()
        since = time.monotonic()
        resp = http.post(ctx.base_url + f"{API}/auth/login", json={"phone": phone, "password": PASSWORD}, timeout=30)
        if resp.status_code != 202:
            return time.perf_counter() - started, f"login {resp.status_code} {resp.text[:120]}"
        code = ctx.sms.wait_code(phone, since)
        resp = http.post(ctx.base_url + f"{API}/auth/login/verify", timeout=30,
                         json={"challenge_id": resp.json()["challenge_id"], "otp": code})
        error = None if resp.status_code == 200 and resp.json().get("access_token") else \
            f"verify {resp.status_code} {resp.text[:120]}"
        return time.perf_counter() - started, error

    started = time.perf_counter()
    with ThreadPoolExecutor(LOGIN_CONCURRENCY) as pool:
        outcomes = list(pool.map(one, phones))
    elapsed = time.perf_counter() - started
    errors = [e for _, e in outcomes if e]
    return {"throughput": len(outcomes) / elapsed, "errors": len(errors), "requests": 2 * len(outcomes),
            **_percentiles([t for t, _ in outcomes]),
            "note": f"{LOGIN_CONCURRENCY} concurrent flows" + (f"; first error: {errors[0]}" if errors else ""),
            "detail": {"flows": len(outcomes), "seconds": round(elapsed, 2)}}


def enrollment_batch(ctx: Context) -> dict:
    """One 10,000-row báo tăng batch of people the registry knows, as one employer would send it."""
    token = client_token(ctx, "employer")
    today = today_vn()
    # Adults whose records hold no revoked or armed-forces card: the happy path (a revoked card
    # rightly refuses a re-issue, which is not what this measures).
    rows = ctx.sql(
        "SELECT r.cccd, r.full_name, r.date_of_birth, r.gender FROM registry_records r "
        "WHERE r.date_of_birth BETWEEN %(old)s AND %(young)s AND NOT EXISTS ("
        "  SELECT 1 FROM insured_persons p JOIN cards c ON c.person_id = p.id WHERE p.cccd = r.cccd "
        "  AND (c.status <> 'active' OR c.object_code IN ('QN', 'CA', 'CY'))) "
        "ORDER BY r.cccd LIMIT %(n)s",
        {"old": today.replace(year=today.year - 60), "young": today.replace(year=today.year - 18, day=1),
         "n": ENROLL_ROWS})
    if len(rows) < ENROLL_ROWS:
        raise Skip(f"only {len(rows)} adults in the registry")
    month = f"{today:%Y-%m}"
    employees = [{"cccd": c, "full_name": n, "date_of_birth": d.isoformat(), "gender": g,
                  "salary": 6_000_000 + (k % 40) * 250_000, "start_month": month, "job_title": "Công nhân",
                  "primary_care_facility_code": FACILITY} for k, (c, n, d, g) in enumerate(rows)]
    started = time.perf_counter()
    resp = ctx.http.post(ctx.base_url + f"{API}/employer/enrollments", json={"employees": employees}, timeout=300,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    elapsed = time.perf_counter() - started
    if resp.status_code != 200:
        raise RuntimeError(f"enrollments answered {resp.status_code}: {resp.text[:300]}")
    body = resp.json()
    codes: dict[str, int] = {}
    for item in body.get("results", []):
        if item.get("status") != "enrolled":
            for msgs in (item.get("errors") or {"?": ["?"]}).values():
                codes[str(msgs[0])[:60]] = codes.get(str(msgs[0])[:60], 0) + 1
    return {"throughput": ENROLL_ROWS / elapsed, "errors": body.get("rejected", 0), "requests": 1,
            "p50_ms": elapsed * 1000, "p99_ms": elapsed * 1000,
            "note": f"{body.get('enrolled')} enrolled in {elapsed:.1f} s",
            "detail": {"seconds": round(elapsed, 2), "rejections": codes}}


# ---------------------------------------------------------------------------------------------------
# local scenarios


def qr_offline(ctx: Context) -> dict:
    """bench/qr_verify.py (the clinic-side verifier) pinned to one core."""
    script = ROOT / "bench" / "qr_verify.py"
    if not script.exists():
        raise Skip("bench/qr_verify.py not present")
    core = min(os.sched_getaffinity(0))
    done = subprocess.run([sys.executable, str(script), "20000"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    found = re.search(r"([\d,.]+)\s+verifications/second", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"qr_verify failed: {(done.stderr or done.stdout)[-400:]}")
    return {"throughput": float(found.group(1).replace(",", "")), "errors": 0, "requests": 20_000,
            "note": f"one core (cpu {core}), no server"}


# ---------------------------------------------------------------------------------------------------
# Query plans: the statements the app really runs for a card check, EXPLAINed on the large data


BIG_TABLES = ("cards", "insured_persons", "registry_records", "card_checks")


def query_plans(ctx: Context) -> list[dict]:
    """Runs one card check of each kind in this process, captures the SELECTs its hot-path runner
    sends to PostgreSQL (db/statements.py), and EXPLAIN ANALYZEs them on the scratch database:
    [{"check", "sql", "plan", "seq_scan_on_big_table"}]."""
    import psycopg

    from db import statements

    app = ctx.app()
    token = client_token(ctx, "clinic")
    captured: list[tuple[str, str, dict]] = []
    current = {"check": ""}
    original = statements.PsycopgRunner.rows

    def capture(self, stmt, params):
        sql, bound = statements._pg_sql(stmt, params)
        captured.append((current["check"], sql, bound))
        return original(self, stmt, params)

    p = people(ctx)[len(people(ctx)) // 2]
    staff = {"staff_cccd": STAFF[0], "staff_name": STAFF[1]}
    bodies = {by: {"identifier": p[by], "full_name": p["full_name"],
                   "date_of_birth": p["date_of_birth"].isoformat(), **staff} for by in ("card_number", "cccd")}
    if ctx.cache.get(f"qr:{ctx.people}"):
        bodies["qr"] = {"qr": ctx.cache[f"qr:{ctx.people}"][0], **staff}
    statements.PsycopgRunner.rows = capture
    try:
        client = app.test_client()
        for by, body in bodies.items():
            current["check"] = by
            client.post(CHECK_PATH, json=body, headers={"Authorization": f"Bearer {token}"})
    finally:
        statements.PsycopgRunner.rows = original
    plans, seen = [], set()
    with psycopg.connect(ctx.db_url) as conn:
        for check, statement, params in captured:
            if statement in seen:
                continue
            seen.add(statement)
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params).fetchall()
            plan = "\n".join(r[0] for r in rows)
            big_scan = any(f"Seq Scan on {t}" in plan for t in BIG_TABLES)
            plans.append({"check": check, "sql": " ".join(statement.split()), "plan": plan,
                          "seq_scan_on_big_table": big_scan})
        conn.rollback()
    return plans
