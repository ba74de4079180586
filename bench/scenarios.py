"""What `make bench` measures, in the order it runs, and the hooks that prepare each scenario.

A scenario is one of:
- `wrk`: `entries(ctx)` returns the requests wrk rotates over ([{path, body?, auth?}]);
- `http`: `run(ctx)` drives a multi-step flow or one big request from Python and returns the figures;
- `local`: `run(ctx)` measures code in this process (no server).
Scenarios with a `path` are probed first: a 404 means the endpoint is not built, and the scenario is
reported as skipped. `passes` says whether it runs with the small population, the large one, or both.

Hooks get a `bench.harness.Context`: `ctx.sql(...)` on the scratch database, `ctx.flask(...)` for the
operator CLI, `ctx.app()` for an in-process app with the server's key, `ctx.http` (requests), and
`ctx.sms.wait_code(phone, since)` for the codes the server sent.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from bench.harness import ROOT, Context, Skip, log

API = "/api/v1"
CHECK_PATH = f"{API}/clinic/card-checks"
FACILITY = "01901"  # a facility the synthetic seed creates (Hà Nội)
STAFF = ("001085012345", "Lê Văn Cường")  # the clinic's registered staff member who runs the checks
SAMPLE = 2000  # distinct people per card-check scenario
CITIZENS = 300  # linked citizens for GET /me/card and the QR payloads
LOGINS = 120  # login + OTP flows (the per-address limit allows 300 logins an hour)
LOGIN_CONCURRENCY = 8
ENROLL_ROWS = 10_000
PASSWORD = "Bench-Horse-Battery-42"


@dataclass
class Scenario:
    name: str
    title: str
    kind: str  # wrk | http | local
    passes: tuple[str, ...] = ("small",)
    method: str = "GET"
    path: str = ""  # probed before running; empty: no probe
    unit: str = "req/s"
    entries: Callable[[Context], list[dict]] | None = None
    run: Callable[[Context], dict] | None = None
    light: bool = False  # also measured at 1 connection: latency without queueing (harness.LIGHT_*)


# ---------------------------------------------------------------------------------------------------
# Data drawn from the scratch database


def today_vn():
    import clock

    return clock.today()


def people(ctx: Context, n: int = SAMPLE) -> list[dict]:
    """Holders of one active, current card whose record carries their CCCD (expected answer 000),
    spread evenly over the whole population (not just the first rows)."""
    key = f"people:{n}"
    if key not in ctx.cache:
        step = max(1, int(ctx.people / n * 0.75))
        rows = ctx.sql(
            "SELECT p.id, c.card_number, p.bhxh_code, p.cccd, p.full_name, p.date_of_birth, p.gender "
            "FROM insured_persons p JOIN cards c ON c.person_id = p.id "
            "WHERE p.id %% %(step)s = 0 AND p.cccd IS NOT NULL AND p.account_id IS NULL "
            "AND c.status = 'active' AND c.valid_from <= %(today)s AND c.valid_to >= %(today)s "
            "AND c.object_code NOT IN ('QN', 'CA', 'CY') "
            "AND NOT EXISTS (SELECT 1 FROM cards o WHERE o.person_id = p.id AND o.id <> c.id) "
            "ORDER BY p.id LIMIT %(n)s", {"step": step, "today": today_vn(), "n": n})
        ctx.cache[key] = [dict(zip(("id", "card_number", "bhxh_code", "cccd", "full_name", "date_of_birth",
                                     "gender"), row)) for row in rows]
    return ctx.cache[key]


# ---------------------------------------------------------------------------------------------------
# Clients and tokens


def _client(ctx: Context, kind: str, *args: str) -> dict:
    if f"client:{kind}" not in ctx.cache:
        out = ctx.flask("clients", "create", kind, *args)
        creds = json.loads(out.strip().splitlines()[-1])
        if kind == "clinic":
            ctx.flask("clients", "add-staff", creds["client_id"], "--cccd", STAFF[0], "--name", STAFF[1])
        ctx.cache[f"client:{kind}"] = creds
    return ctx.cache[f"client:{kind}"]


def client_token(ctx: Context, kind: str) -> str:
    """A fresh access token (they last 15 minutes; the large pass comes minutes later)."""
    creds = (_client(ctx, "clinic", "--facility-code", FACILITY, "--name", "Phòng khám đo tải") if kind == "clinic"
             else _client(ctx, "employer", "--unit-code", "BENCH01", "--province", "01",
                          "--name", "Công ty TNHH Đo Tải"))
    resp = ctx.http.post(ctx.base_url + f"{API}/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", **creds})
    if resp.status_code != 200:
        raise RuntimeError(f"oauth/token answered {resp.status_code}: {resp.text[:300]}")
    return resp.json()["access_token"]


def linked_citizens(ctx: Context, n: int = CITIZENS) -> list[str]:
    """Access tokens of `n` citizens whose accounts are linked to a sampled insurance record, made
    straight in the database (the linking flow itself is not what these scenarios measure)."""
    key = f"citizens:{ctx.people}"
    if key in ctx.cache:
        return ctx.cache[key]
    import clock
    import db
    from auth.passwords import hash_password
    from auth.tokens import issue_access_token
    from models import Account, InsuredPerson, LoginSession

    chosen = [p for p in people(ctx, SAMPLE)][:n]
    app = ctx.app()
    tokens = []
    with app.app_context():
        session = db.session()
        now = clock.now()
        password_hash = hash_password(PASSWORD)
        base = len(ctx.cache.get("citizen_phones", []))
        for k, p in enumerate(chosen):
            acc = Account(phone=f"+8499{base + k:07d}", password_hash=password_hash, full_name=p["full_name"],
                          role="citizen", created_at=now)
            session.add(acc)
            session.flush()
            person = session.get(InsuredPerson, p["id"])
            person.account_id, person.linked_at = acc.id, now
            login = LoginSession(account_id=acc.id, created_at=now, expires_at=now + timedelta(days=30))
            session.add(login)
            session.flush()
            tokens.append(issue_access_token(str(acc.id), {"typ": "access", "role": "citizen", "sid": login.id}))
        session.commit()
    ctx.cache.setdefault("citizen_phones", []).extend(range(len(chosen)))
    ctx.cache[key] = tokens
    return tokens


# ---------------------------------------------------------------------------------------------------
# wrk scenarios


def health(path: str) -> Callable[[Context], list[dict]]:
    return lambda ctx: [{"path": path}]


def _expect_usable(ctx: Context, entry: dict) -> None:
    """One request before the load: the data must give the answer we mean to measure."""
    resp = ctx.http.post(ctx.base_url + entry["path"], data=entry["body"], timeout=10, headers={
        "Authorization": f"Bearer {entry['auth']}", "Content-Type": "application/json"})
    if resp.status_code != 200 or resp.json().get("result_code") != "000":
        raise RuntimeError(f"sanity check answered {resp.status_code}: {resp.text[:300]}")


def card_checks(by: str) -> Callable[[Context], list[dict]]:
    def entries(ctx: Context) -> list[dict]:
        token = client_token(ctx, "clinic")
        staff = {"staff_cccd": STAFF[0], "staff_name": STAFF[1]}
        if by == "qr":
            bodies = [{"qr": qr, **staff} for qr in qr_payloads(ctx)]
        else:
            bodies = [{"identifier": p[by], "full_name": p["full_name"],
                       "date_of_birth": p["date_of_birth"].isoformat(), **staff} for p in people(ctx)]
        out = [{"path": CHECK_PATH, "auth": token, "body": json.dumps(b, ensure_ascii=False)} for b in bodies]
        if out:
            _expect_usable(ctx, out[0])
        return out

    return entries


def qr_payloads(ctx: Context) -> list[str]:
    """The QR payloads of linked citizens, as their app shows them (GET /me/card)."""
    key = f"qr:{ctx.people}"
    if key not in ctx.cache:
        payloads = []
        for token in linked_citizens(ctx):
            resp = ctx.http.get(ctx.base_url + f"{API}/me/card", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
            if resp.status_code == 404:
                raise Skip(f"GET /me/card answers 404 {resp.json().get('code')} for a linked citizen")
            resp.raise_for_status()
            if resp.json().get("qr"):
                payloads.append(resp.json()["qr"])
        ctx.cache[key] = payloads
    return ctx.cache[key]


def me_card(ctx: Context) -> list[dict]:
    return [{"path": f"{API}/me/card", "auth": t} for t in linked_citizens(ctx)]


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


# ---------------------------------------------------------------------------------------------------


def before_server(ctx: Context) -> None:
    """Run once after the first seed, before gunicorn starts: a card-signing key for GET /me/card."""
    try:
        ctx.flask("keys", "rotate")
    except Exception as exc:  # an older tree without the command: /me/card creates its key itself
        log(f"flask keys rotate: {exc}")


SCENARIOS = [
    Scenario("healthz", "GET /healthz (ceiling)", "wrk", entries=health("/healthz"), path="/healthz"),
    Scenario("readyz", "GET /readyz (one SELECT 1)", "wrk", entries=health("/readyz"), path="/readyz"),
    Scenario("check_card_number", "card check by card number", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("card_number"), light=True),
    Scenario("check_cccd", "card check by CCCD", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("cccd"), light=True),
    Scenario("check_qr", "card check by QR", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("qr"), light=True),
    Scenario("me_card", "GET /me/card (signs a QR)", "wrk", path=f"{API}/me/card", entries=me_card),
    Scenario("login_otp", "login + OTP (2 requests, Argon2id)", "http", path=f"{API}/auth/login",
             method="POST", unit="flows/s", run=login_flow),
    Scenario("qr_offline", "offline QR verification (1 core)", "local", unit="verif/s", run=qr_offline),
    Scenario("enrollment_10k", "enrollment batch, 10,000 rows", "http", ("large",), "POST",
             f"{API}/employer/enrollments", unit="rows/s", run=enrollment_batch),
]


# ---------------------------------------------------------------------------------------------------
# Where a check's cost goes (bench/probes.py, on a second server; same requests as the real check)


def _probe(name: str) -> Callable[[Context], list[dict]]:
    return lambda ctx: [{**e, "path": f"/bench/probe/{name}"} for e in card_checks("card_number")(ctx)]


BREAKDOWN = [
    Scenario("probe_healthz", "breakdown: GET /healthz", "wrk", path="/healthz", entries=health("/healthz")),
    Scenario("probe_echo", "breakdown: token + JSON in and out, no database", "wrk", method="POST",
             entries=_probe("echo")),
    Scenario("probe_select", "breakdown: + the check's SELECT", "wrk", method="POST", entries=_probe("select")),
    Scenario("probe_insert", "breakdown: + the check's INSERT (durable), no SELECT", "wrk", method="POST",
             entries=_probe("insert")),
    Scenario("probe_select_insert", "breakdown: SELECT + INSERT, no decision", "wrk", method="POST",
             entries=_probe("select-insert")),
    Scenario("probe_check", "breakdown: the real card check", "wrk", method="POST", path=CHECK_PATH,
             entries=card_checks("card_number")),
]

from bench import family  # noqa: E402  (issue 15's scenarios live in their own file)

SCENARIOS += family.SCENARIOS
