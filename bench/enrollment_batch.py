"""A 10,000-row báo tăng batch on PostgreSQL through the Flask test client, beside a plain bulk
insert of the same rows (the limit the endpoint should approach).

    .venv/bin/python bench/enrollment_batch.py [--rows 10000] [--runs 3] \
        [--server postgresql://postgres@127.0.0.1:5432]

Creates a scratch database (bench.servers.scratch_database), builds the schema, arranges one employer,
one facility and the rows' population-registry records, then per run:
- POST /api/v1/employer/enrollments (JSON, new people; every rule, the registry check, code
  generation, cards, employments, the stored answer, one transaction), timed end to end;
- the same persons, cards and employments written with the endpoint's own bulk statements
  (services.bulk_sql: one INSERT ... SELECT FROM unnest(arrays) per table) and no reads or
  checks at all, timed;
tables are emptied between runs. Prints rows/second for both and drops the database.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.servers import scratch_database  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Nam", "Phương", "Trang"]


def make_rows(n: int, start_month: str, seed: int = 11) -> list[dict]:
    from services.identifiers import century_sex_digit

    rng = random.Random(seed)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        dob = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 45))
        gender = rng.choice(("male", "female"))
        cccd = f"001{century_sex_digit(dob.year, gender)}{dob.year % 100:02d}{rng.randrange(10**6):06d}"
        if cccd in seen:
            continue
        seen.add(cccd)
        rows.append({
            "cccd": cccd, "full_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            "date_of_birth": dob.isoformat(), "gender": gender, "salary": rng.randrange(5_000_000, 60_000_000),
            "start_month": start_month, "job_title": "Công nhân may", "primary_care_facility_code": "01001",
        })
    return rows


def empty(engine) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("TRUNCATE employments, cards, insured_persons, batches, audit_events RESTART IDENTITY CASCADE"))


def plain_insert(app, rows: list[dict]) -> float:
    """The same persons, cards and employments written with the endpoint's own bulk statements
    (services.bulk_sql), with no reads and no checks at all: the floor the endpoint approaches."""
    from models import Card, Employment, InsuredPerson, new_id
    from services import bulk_sql

    now = datetime.now(UTC)
    session = app.extensions["db"].factory()
    started = time.perf_counter()
    persons = [{"bhxh_code": f"01{i:08d}", "cccd": r["cccd"], "full_name": r["full_name"],
                "date_of_birth": date.fromisoformat(r["date_of_birth"]), "gender": r["gender"],
                "created_at": now, "updated_at": now} for i, r in enumerate(rows)]
    ids = dict(bulk_sql.insert_rows(session, InsuredPerson, persons, returning=("bhxh_code", "id")))
    cards = [{"id": new_id(), "card_number": f"DN401{p['bhxh_code']}", "person_id": ids[p["bhxh_code"]],
              "object_code": "DN", "benefit_level": 4, "province_code": "01", "facility_code": "01001",
              "valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
              "issuing_agency": "BHXH thành phố Hà Nội", "status": "active", "created_at": now} for p in persons]
    bulk_sql.insert_rows(session, Card, cards)
    bulk_sql.insert_rows(session, Employment, [{
        "person_id": c["person_id"], "unit_code": "BENCH01", "unit_name": "Bench", "from_month": date(2026, 1, 1),
        "salary": r["salary"], "job_title": r["job_title"], "card_id": c["id"], "active": True, "created_at": now,
    } for c, r in zip(cards, rows)])
    session.commit()
    elapsed = time.perf_counter() - started
    session.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    with scratch_database(f"{args.server}/postgres") as url:
        import logging

        from sqlalchemy import insert

        import clock
        import models
        from app import create_app
        from auth.tokens import issue_access_token

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40,
                          "APP_ENV": "development", "LOG_LEVEL": "WARNING"})
        logging.getLogger().setLevel(logging.WARNING)
        engine = app.extensions["db"].engine
        models.Base.metadata.create_all(engine)
        today = clock.today()
        rows = make_rows(args.rows, f"{today.year:04d}-{today.month:02d}")
        now = clock.now()
        with engine.begin() as conn:
            conn.execute(insert(models.Facility), [{"code": "01001", "name": "Bệnh viện Bạch Mai"}])
            conn.execute(insert(models.ApiClient), [{
                "client_id": "bench_employer", "secret_hash": "x" * 64, "kind": "employer", "name": "Công ty Bench",
                "unit_code": "BENCH01", "province_code": "01", "active": True, "created_at": now}])
            conn.execute(insert(models.RegistryRecord), [{
                "cccd": r["cccd"], "full_name": r["full_name"], "date_of_birth": date.fromisoformat(r["date_of_birth"]),
                "gender": r["gender"], "updated_at": now} for r in rows])
        with app.app_context():
            token = issue_access_token("bench_employer", {"typ": "access", "role": "employer", "unit": "BENCH01",
                                                          "prov": "01"})
        client = app.test_client()
        body = {"employees": rows}
        for run in range(1, args.runs + 1):
            empty(engine)
            started = time.perf_counter()
            resp = client.post("/api/v1/employer/enrollments", json=body, headers={
                "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
            api = time.perf_counter() - started
            answer = resp.get_json()
            assert resp.status_code == 200 and answer["enrolled"] == args.rows, (resp.status_code, str(answer)[:300])
            empty(engine)
            floor = plain_insert(app, rows)
            print(f"run {run}: endpoint {args.rows:,} rows in {api:.2f} s = {args.rows / api:,.0f} rows/s; "
                  f"plain bulk insert {floor:.2f} s = {args.rows / floor:,.0f} rows/s "
                  f"(endpoint at {floor / api:.0%} of the floor)")
        engine.dispose()


if __name__ == "__main__":
    main()
