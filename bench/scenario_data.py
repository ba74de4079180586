"""The scenarios' data and clients: constants, the Scenario record, people drawn from the scratch
database, clinic/employer tokens, linked citizens, and the wrk entries of each request kind."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bench.base import Skip
from bench.context import Context
from card_codes import ResultCode

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
                                     "gender"), row, strict=True)) for row in rows]
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
    if resp.status_code != 200 or resp.json().get("result_code") != ResultCode.OK:
        raise RuntimeError(f"sanity check answered {resp.status_code}: {resp.text[:300]}")


def card_checks(by: str) -> Callable[[Context], list[dict]]:
    def entries(ctx: Context) -> list[dict]:
        token = client_token(ctx, "clinic")
        staff = {"staff_cccd": STAFF[0], "staff_name": STAFF[1]}
        if by == "qr":
            bodies = [{"qr": qr, **staff} for qr in qr_payloads(ctx)]
        elif by == "scan":  # what the desk's scanner types from the chip CCCD's QR
            bodies = [{"scan": f"{p['cccd']}||{p['full_name']}|{p['date_of_birth']:%d%m%Y}|Nam|Hà Nội|01012021",
                       **staff} for p in people(ctx)]
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
