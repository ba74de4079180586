"""Clinic card checks per second through the Flask test client on PostgreSQL (one process, one thread).

    .venv/bin/python bench/card_check_testclient.py [--persons 2000] [--seconds 10] \
        [--server postgresql://postgres@127.0.0.1:5432]

Creates a scratch database (bench.servers.scratch_database), builds the schema, arranges one clinic and
N insured persons with cards, then posts POST /api/v1/clinic/card-checks (random card numbers,
right name and date of birth: the full decision path plus the stored CardCheck) for the given
time, and prints checks/second next to GET /healthz through the same client. Drops the database.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.servers import scratch_database  # noqa: E402
from card_codes import ResultCode  # noqa: E402

STAFF = ("001095012345", "Lê Văn Cường")


def arrange(session, persons: int) -> list[dict]:
    from models import ApiClient, Card, ClinicStaff, Facility, InsuredPerson

    now = datetime.now(UTC)
    session.add(Facility(code="01001", name="Bệnh viện Bạch Mai"))
    session.add(ApiClient(client_id="clinic_bench", secret_hash="x" * 64, kind="clinic", name="Bench",
                          facility_code="01001", created_at=now))
    session.flush()
    session.add(ClinicStaff(client_id="clinic_bench", cccd=STAFF[0], full_name=STAFF[1]))
    requests = []
    for i in range(persons):
        bhxh = f"{i:010d}"
        p = InsuredPerson(bhxh_code=bhxh, full_name="Nguyễn Văn An", date_of_birth=date(1990, 1, 1),
                          gender="male", created_at=now, updated_at=now)
        session.add(p)
        session.flush()
        number = f"DN401{bhxh}"
        session.add(Card(card_number=number, person_id=p.id, object_code="DN", benefit_level=4, province_code="01",
                         facility_code="01001", valid_from=date(now.year, 1, 1), valid_to=date(now.year, 12, 31),
                         issuing_agency="BHXH thành phố Hà Nội", created_at=now))
        requests.append({"identifier": number, "full_name": "Nguyễn Văn An", "date_of_birth": "1990-01-01",
                         "staff_cccd": STAFF[0], "staff_name": STAFF[1]})
    session.commit()
    return requests


def rate(fn, seconds: float) -> float:
    for _ in range(50):  # warm-up
        fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    with scratch_database(f"{args.server}/postgres") as url:
        run(url, args)


def run(url: str, args) -> None:
    import logging

    import models
    from app import create_app
    from auth.tokens import issue_access_token
    from db import make_engine

    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": tmp, "CARD_KEYS_DIR": f"{tmp}/keys",
                          "SECRET_KEY": "bench-" + "x" * 40, "LOG_LEVEL": "WARNING"})
        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            session = app.extensions["db"].factory()
            requests = arrange(session, args.persons)
            session.close()
            token = issue_access_token("clinic_bench", {"typ": "access", "role": "clinic", "fac": "01001"})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        rng = random.Random(1)

        def check():
            resp = client.post("/api/v1/clinic/card-checks", json=rng.choice(requests), headers=headers)
            assert resp.status_code == 200 and resp.get_json()["result_code"] == ResultCode.OK, resp.get_data(as_text=True)

        def healthz():
            assert client.get("/healthz").status_code == 200

        checks = rate(check, args.seconds)
        health = rate(healthz, args.seconds)
        print(f"card checks: {checks:,.0f}/s; /healthz: {health:,.0f}/s; ratio {checks / health:.0%} "
              f"(test client, one thread, PostgreSQL, {args.persons} persons)")
        app.extensions["db"].dispose()


if __name__ == "__main__":
    main()
