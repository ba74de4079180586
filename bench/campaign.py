"""The campaign scenarios of `make bench` (docs/campaign.md): the officer's report at both
population sizes, and one 10,000-row CCCD-update batch.

- `campaign_report` (both passes): GET /officer/campaign (JSON, then CSV) timed end to end, and
  beside it the alternatives it was chosen over, timed in the same database: a plain COUNT over the
  per-person table (`campaign_people`, index-only on its covering index) and the full count from
  insured_persons and cards (what `--recount` runs).
- `identity_updates_10k` (large pass): POST /employer/identity-updates with 10,000 records that
  carry no CCCD yet, made employees of the bench unit first; rows/s end to end.

    .venv/bin/python -m bench --only campaign_report,identity_updates_10k
"""
from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta

from bench.base import Skip
from bench.context import Context
from bench.scenario_data import API, Scenario, client_token

REPORT_PATH = f"{API}/officer/campaign"
UPDATES_PATH = f"{API}/employer/identity-updates"
UPDATE_ROWS = 10_000
REPORT_RUNS = 20
UNIT = "BENCH01"  # the unit scenario_data.client_token's employer client is bound to


def officer_token(ctx: Context) -> str:
    """An officer account and a fresh access token, straight in the database."""
    import clock
    import db
    from auth.tokens import issue_access_token
    from models import Account, LoginSession

    with ctx.app().app_context():
        session = db.session()
        acc = session.query(Account).filter_by(phone="+84987000111").one_or_none()
        if acc is None:
            acc = Account(phone="+84987000111", password_hash="!", full_name="Cán bộ Đo Tải", role="officer",
                          created_at=clock.now())
            session.add(acc)
            session.flush()
        login = LoginSession(account_id=acc.id, created_at=clock.now(), expires_at=clock.now() + timedelta(days=1))
        session.add(login)
        session.commit()
        return issue_access_token(str(acc.id), {"typ": "access", "role": "officer", "sid": login.id})


def _timed_ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def campaign_report(ctx: Context) -> dict:
    headers = {"Authorization": f"Bearer {officer_token(ctx)}"}

    def get(fmt: str):
        resp = ctx.http.get(ctx.base_url + REPORT_PATH + (f"?format={fmt}" if fmt == "csv" else ""),
                            headers=headers, timeout=30)
        if resp.status_code != 200:
            raise RuntimeError(f"{REPORT_PATH} answered {resp.status_code}: {resp.text[:300]}")
        return resp

    totals = get("json").json()["totals"]
    if totals["participants"] < ctx.people * 0.99:
        raise RuntimeError(f"the report counts {totals['participants']:,} participants of {ctx.people:,}")
    json_ms = sorted(_timed_ms(lambda: get("json")) for _ in range(REPORT_RUNS))
    csv_ms = sorted(_timed_ms(lambda: get("csv")) for _ in range(REPORT_RUNS // 4))
    from services import campaign

    per_person = ("SELECT province_code, COUNT(*), SUM(CASE WHEN cccd_verified THEN 1 ELSE 0 END), "
                  "SUM(CASE WHEN app_linked THEN 1 ELSE 0 END) FROM campaign_people GROUP BY province_code")
    plain_ms = min(_timed_ms(lambda: ctx.sql(per_person)) for _ in range(3))
    full_ms = min(_timed_ms(lambda: ctx.sql(campaign._GROUP.format(rows=campaign._STANDING))) for _ in range(2))
    p50 = statistics.median(json_ms)
    return {"throughput": 1000 / p50, "requests": REPORT_RUNS, "errors": 0, "p50_ms": p50,
            "p99_ms": json_ms[-1],
            "note": (f"JSON p50 {p50:.1f} ms, CSV p50 {statistics.median(csv_ms):.1f} ms; plain COUNT over "
                     f"campaign_people {plain_ms:.0f} ms; full count {full_ms:.0f} ms; "
                     f"CCCD {totals['cccd_verified_pct']}%"),
            "detail": {"json_ms": [round(v, 1) for v in json_ms], "csv_p50_ms": round(statistics.median(csv_ms), 1),
                       "plain_count_campaign_people_ms": round(plain_ms, 1), "full_count_ms": round(full_ms, 1),
                       "totals": totals}}


def _legacy_rows(ctx: Context) -> list[tuple]:
    """Records without a CCCD whose registry row (same name, date of birth, gender and address) is
    the person's, and whose CCCD no record carries yet."""
    return ctx.sql(
        "SELECT DISTINCT ON (p.id) p.id, p.bhxh_code, r.cccd, r.full_name, r.date_of_birth, r.gender "
        "FROM insured_persons p JOIN registry_records r ON r.full_name = p.full_name "
        " AND r.date_of_birth = p.date_of_birth AND r.gender = p.gender AND r.address = p.address "
        "WHERE p.cccd IS NULL AND NOT EXISTS (SELECT 1 FROM insured_persons o WHERE o.cccd = r.cccd) "
        "ORDER BY p.id LIMIT %(n)s", {"n": UPDATE_ROWS})


def identity_updates(ctx: Context) -> dict:
    token = client_token(ctx, "employer")
    rows = _legacy_rows(ctx)
    if len(rows) < UPDATE_ROWS:
        raise Skip(f"only {len(rows):,} records without a CCCD (the large pass has enough)")
    ids = [r[0] for r in rows]
    ctx.sql(  # the HR clerk's staff: employees of the bench unit since last year
        "INSERT INTO employments (person_id, unit_code, unit_name, from_month, salary, job_title, active, "
        "created_at) SELECT unnest(%(ids)s::int[]), %(unit)s, 'Công ty TNHH Đo Tải', date_trunc('year', now()), "
        "8000000, 'Công nhân', true, now() ON CONFLICT DO NOTHING RETURNING 1", {"ids": ids, "unit": UNIT})
    body = {"employees": [{"bhxh_code": b, "cccd": c, "full_name": n, "date_of_birth": d.isoformat(), "gender": g}
                          for _, b, c, n, d, g in rows]}
    started = time.perf_counter()
    resp = ctx.http.post(ctx.base_url + UPDATES_PATH, json=body, timeout=300,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    elapsed = time.perf_counter() - started
    if resp.status_code != 200:
        raise RuntimeError(f"identity-updates answered {resp.status_code}: {resp.text[:300]}")
    answer = resp.json()
    codes: dict[str, int] = {}
    for item in answer["results"]:
        if item["status"] != "updated":
            codes[item["code"]] = codes.get(item["code"], 0) + 1
    return {"throughput": UPDATE_ROWS / elapsed, "errors": answer["rejected"], "requests": 1,
            "p50_ms": elapsed * 1000, "p99_ms": elapsed * 1000,
            "note": f"{answer['updated']:,} updated in {elapsed:.2f} s",
            "detail": {"seconds": round(elapsed, 3), "rejections": codes}}


SCENARIOS = [
    Scenario("campaign_report", "GET /officer/campaign (kept totals)", "http", ("small", "large"),
             path=REPORT_PATH, unit="req/s", run=campaign_report),
    Scenario("identity_updates_10k", "CCCD-update batch, 10,000 rows", "http", ("large",), "POST",
             UPDATES_PATH, unit="rows/s", run=identity_updates),
]
