"""Redis or the population registry away: the parts that need them refuse clearly (503 + Retry-After)
and write nothing; everything else keeps working."""
from __future__ import annotations

import socket
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Batch, Consent, Employment, InsuredPerson, LinkRequest, OtpChallenge
from tests import factories as f
from tests.conftest import assert_problem

API = "/api/v1"
STAFF = ("001080001234", "Lê Văn Cường")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def app_without_redis(app_config):
    from app import create_app
    from auth import passwords

    passwords.configure(fast=True)
    application = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0"})
    yield application
    application.extensions["db"].dispose()
    from tests.conftest import _clean

    _clean(app_config["DATABASE_URL"])


@pytest.fixture
def app_without_registry(app_config):
    from app import create_app
    from auth import passwords

    passwords.configure(fast=True)
    application = create_app({**app_config, "REGISTRY_BACKEND": "http",
                              "REGISTRY_URL": f"http://127.0.0.1:{_closed_port()}/verify",
                              "REGISTRY_TIMEOUT": 0.5})
    yield application
    application.extensions["db"].dispose()
    from tests.conftest import _clean

    _clean(app_config["DATABASE_URL"])


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_redis_away_otp_fails_closed_and_the_rest_works(app_without_redis):
    app = app_without_redis
    client = app.test_client()
    session = app.extensions["db"].factory()
    try:
        resp = client.post(f"{API}/auth/register", json={"phone": "0912345678", "password": "Hoa-sen-no-2024",
                                                        "full_name": "Nguyễn Thị Mai"})
        body = assert_problem(resp, 503, "otp_unavailable")
        assert int(resp.headers["Retry-After"]) >= 1 and body["detail"]
        f.account(session, phone="+84912345670")
        resp = client.post(f"{API}/auth/login", json={"phone": "0912345670", "password": f.PASSWORD})
        assert_problem(resp, 503, "otp_unavailable")
        assert _count(session, OtpChallenge) == 0  # nothing half-started

        # Everything that does not send an SMS keeps working.
        _cl, clinic_headers = f.clinic(app, session, staff=STAFF)
        p = f.person(session)
        c = f.card(session, p)
        resp = client.post(f"{API}/clinic/card-checks", headers=clinic_headers, json={
            "identifier": c.card_number, "full_name": p.full_name, "date_of_birth": "1995-03-05",
            "staff_cccd": STAFF[0], "staff_name": STAFF[1]})
        assert resp.status_code == 200 and resp.get_json()["result_code"] == "000"
        acc, headers = f.citizen(app, session, phone="+84912345671")
        assert client.get(f"{API}/me", headers=headers).status_code == 200
        assert client.get("/readyz").status_code == 200
    finally:
        session.close()


def test_registry_away_link_and_enrollment_write_nothing(app_without_registry):
    app = app_without_registry
    client = app.test_client()
    session = app.extensions["db"].factory()
    try:
        f.person(session, bhxh_code="0123456789")
        _acc, headers = f.citizen(app, session)
        resp = client.post(f"{API}/me/link", headers=headers, json={
            "cccd": "001095012345", "bhxh_code": "0123456789", "full_name": "Nguyễn Văn An",
            "date_of_birth": "1995-03-05", "gender": "male", "consent": True})
        assert_problem(resp, 503, "registry_unavailable")
        assert int(resp.headers["Retry-After"]) >= 1
        assert _count(session, LinkRequest) == 0 and _count(session, Consent) == 0
        assert session.scalar(select(InsuredPerson.cccd)) is None

        f.facility(session, "01001")
        _emp, emp_headers = f.employer(app, session)
        today = date.today()
        resp = client.post(f"{API}/employer/enrollments", headers={**emp_headers, "Idempotency-Key": "k-1"}, json={
            "employees": [{"cccd": "001095012345", "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
                           "gender": "male", "salary": 10_000_000, "start_month": f"{today:%Y-%m}",
                           "job_title": "Kế toán", "primary_care_facility_code": "01001"}]})
        assert_problem(resp, 503, "registry_unavailable")
        assert _count(session, Batch) == 0 and _count(session, Employment) == 0
        assert _count(session, InsuredPerson) == 1
    finally:
        session.close()
