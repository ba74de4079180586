"""PostgreSQL restarts in the middle of card checks and enrollments: the service answers 503 while
the database is away, recovers by itself, and every write it acknowledged is stored.

Runs against a throwaway cluster the test starts with pg_ctl (never the machine's own server).
"""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

import models
from cli.database import upgrade
from db import make_engine
from tests import factories as f
from tests.conftest import USE_POSTGRES
from tests.faults import pgcluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (USE_POSTGRES and pgcluster.available()), reason="PostgreSQL run with pg_ctl only"),
]

STAFF = ("001080001234", "Lê Văn Cường")
PEOPLE = 20
REGISTRY_PEOPLE = 400
BATCH = 5


@pytest.fixture
def cluster():
    c = pgcluster.ThrowawayCluster().init()
    c.start()
    yield c
    c.destroy()


@pytest.fixture
def fault_app(cluster, app_config):
    from app import create_app
    from auth import passwords

    upgrade(cluster.url)
    passwords.configure(fast=True)
    # The clinic workers below make thousands of checks a minute through one staff member: the
    # per-staff check limits (services/check_limits.py) are switched off, this test is about durability.
    application = create_app({**app_config, "DATABASE_URL": cluster.url, "CLINIC_CHECKS_PER_STAFF_MINUTE": 0,
                              "CLINIC_CHECKS_PER_STAFF_DAY": 0, "CLINIC_CHECKS_PER_CLIENT_MINUTE": 0,
                              "CLINIC_CHECKS_PER_CLIENT_DAY": 0})
    yield application
    application.extensions["db"].dispose()


def _arrange(app, session):
    for i in range(REGISTRY_PEOPLE):
        f.registry_record(session, cccd=f"001090{i:06d}", full_name="Trần Văn Bình",
                          date_of_birth=date(1990, 1, 1), gender="male")
    _cl, clinic_headers = f.clinic(app, session, facility_code="01001", staff=STAFF)
    _emp, employer_headers = f.employer(app, session, unit_code="TE3964E", province_code="01")
    people = []
    for i in range(PEOPLE):
        p = f.person(session, bhxh_code=f"01{i:08d}", full_name="Nguyễn Văn An", date_of_birth=date(1995, 3, 5))
        c = f.card(session, p)
        people.append(c.card_number)
    return clinic_headers, employer_headers, people


def _check_body(card_number: str) -> dict:
    return {"identifier": card_number, "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
            "staff_cccd": STAFF[0], "staff_name": STAFF[1]}


def test_restart_loses_no_acknowledged_write(fault_app, cluster):
    session = fault_app.extensions["db"].factory()
    clinic_headers, employer_headers, cards = _arrange(fault_app, session)
    session.close()

    acked_checks: list[str] = []
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def clinic_worker(offset: int) -> None:
        client = fault_app.test_client()
        i = offset
        while not stop.is_set():
            resp = client.post("/api/v1/clinic/card-checks", json=_check_body(cards[i % len(cards)]),
                               headers=clinic_headers)
            with lock:
                statuses.append(resp.status_code)
                if resp.status_code == 200:
                    acked_checks.append(resp.get_json()["check_id"])
            i += 1

    acked_batches: dict[str, int] = {}

    def employer_worker() -> None:
        client = fault_app.test_client()
        month = date.today().strftime("%Y-%m")
        for start in range(0, REGISTRY_PEOPLE, BATCH):
            if stop.is_set():
                return
            rows = [{"cccd": f"001090{i:06d}", "full_name": "Trần Văn Bình", "date_of_birth": "1990-01-01",
                     "gender": "male", "salary": 9_000_000, "start_month": month, "job_title": "Thợ may",
                     "primary_care_facility_code": "01001"} for i in range(start, start + BATCH)]
            key = uuid.uuid4().hex
            while not stop.is_set():  # a 503 is retried with the same key, as a client would
                resp = client.post("/api/v1/employer/enrollments", json={"employees": rows},
                                   headers={**employer_headers, "Idempotency-Key": key})
                with lock:
                    statuses.append(resp.status_code)
                if resp.status_code == 200:
                    body = resp.get_json()
                    with lock:
                        acked_batches[body["batch_id"]] = body["enrolled"]
                    break
                time.sleep(0.05)

    threads = [threading.Thread(target=clinic_worker, args=(k,)) for k in range(3)]
    threads.append(threading.Thread(target=employer_worker))
    for t in threads:
        t.start()
    time.sleep(1.0)
    cluster.stop("fast")
    down_client = fault_app.test_client()
    ready_while_down = down_client.get("/readyz").status_code
    time.sleep(1.0)
    cluster.start()
    cluster.wait_ready()
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(timeout=30)

    engine = make_engine(cluster.url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(models.CardCheck.id)).all())
        employments = dict(conn.execute(
            select(models.Employment.batch_id, func.count()).group_by(models.Employment.batch_id)).all())
        done_batches = set(conn.scalars(select(models.Batch.id).where(models.Batch.status == "done")).all())
    engine.dispose()
    missing_batches = [b for b, n in acked_batches.items() if b not in done_batches or employments.get(b, 0) != n]
    print(f"\nenrollment batches acknowledged={len(acked_batches)} "
          f"rows={sum(acked_batches.values())} stored rows={sum(employments.values())} "
          f"missing={len(missing_batches)}")
    assert acked_batches and not missing_batches
    assert sum(employments.values()) == sum(acked_batches.values())  # nothing stored that was not acknowledged

    lost = set(acked_checks) - stored
    failed = [s for s in statuses if s != 200]
    print(f"\ncard checks acknowledged={len(acked_checks)} stored={len(stored)} lost={len(lost)} "
          f"answered_503={failed.count(503)} other={len([s for s in failed if s != 503])}")
    assert ready_while_down == 503
    assert not lost, f"{len(lost)} acknowledged checks are missing"
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert failed, "the outage was not noticed at all"
    # It recovered by itself: the last answers are successes again.
    assert statuses[-1] == 200 and fault_app.test_client().get("/readyz").status_code == 200
