"""Per-staff and per-client limits on clinic checks (CONTRACT §5a), clinic REST and gateway, in the
shared throttle store (Redis when REDIS_URL is set)."""
import pytest

from models import CardCheck
from policy import CLINIC_CHECK_LIMITS
from services.check_limits import CheckLimits
from tests import factories as f
from tests.api.clinic.cases import STAFF, base_request

URL = "/api/v1/clinic/card-checks"
GATEWAY = "/api/egw/KQNhanLichSuKCB2024"
OTHER_STAFF = ("001095054321", "Phạm Thị Dung")


@pytest.fixture
def tight(app):
    app.extensions["check_limits"] = CheckLimits(staff_per_minute=3, staff_per_day=5, client_per_minute=5,
                                                 client_per_day=8)


def test_defaults_are_at_least_the_contracts():
    assert CLINIC_CHECK_LIMITS["CLINIC_CHECKS_PER_STAFF_MINUTE"] >= 100
    assert CLINIC_CHECK_LIMITS["CLINIC_CHECKS_PER_STAFF_DAY"] >= 5000


def test_staff_per_minute_then_per_day(client, session, clinic_headers, tight, at_now):
    body = base_request("DN4010123456789")
    assert [client.post(URL, json=body, headers=clinic_headers).status_code for _ in range(4)] == [200] * 3 + [429]
    refused = client.post(URL, json=body, headers=clinic_headers)
    assert refused.get_json()["code"] == "rate_limited" and int(refused.headers["Retry-After"]) >= 1
    assert session.query(CardCheck).count() == 3  # a refused check is not stored
    at_now.advance(minutes=1)
    assert [client.post(URL, json=body, headers=clinic_headers).status_code for _ in range(3)] == [200, 200, 429]
    at_now.advance(hours=1)
    assert client.post(URL, json=body, headers=clinic_headers).status_code == 429  # 5 a day
    at_now.advance(days=1)
    assert client.post(URL, json=body, headers=clinic_headers).status_code == 200


def test_client_limit_spans_its_staff(app, client, session, tight, at_now):
    cl, headers = f.clinic(app, session, staff=STAFF)
    session.add(f.ClinicStaff(client_id=cl.client_id, cccd=OTHER_STAFF[0], full_name=OTHER_STAFF[1]))
    session.commit()
    mine = base_request("DN4010123456789")
    theirs = {**mine, "staff_cccd": OTHER_STAFF[0], "staff_name": OTHER_STAFF[1]}
    got = [client.post(URL, json=b, headers=headers).status_code for b in (mine, mine, mine, theirs, theirs, theirs)]
    assert got == [200, 200, 200, 200, 200, 429]  # the client's 5 a minute


def test_ill_formed_staff_cccd_buys_no_extra_room(client, clinic_headers, tight, at_now):
    bodies = [{**base_request("DN4010123456789"), "staff_cccd": f"bad{i}"} for i in range(4)]
    got = [client.post(URL, json=b, headers=clinic_headers) for b in bodies]
    assert [r.status_code for r in got] == [200, 200, 200, 429]
    assert got[0].get_json()["result_code"] == "205"


def test_gateway_is_counted_too_and_answers_maketqua_429(client, clinic_headers, tight, at_now):
    body = {"maThe": "DN4010123456789", "hoTen": "Nguyễn Văn An", "ngaySinh": "05/03/1995", "hoTenCb": STAFF[1],
            "cccdCb": STAFF[0]}
    for _ in range(3):
        assert client.post(GATEWAY, json=body, headers=clinic_headers).status_code == 200
    resp = client.post(GATEWAY, json=body, headers=clinic_headers)
    assert (resp.status_code, resp.mimetype, resp.get_json()["maKetQua"]) == (429, "application/json", "429")
    assert int(resp.headers["Retry-After"]) >= 1
    assert client.post(URL, json=base_request("DN4010123456789"), headers=clinic_headers).status_code == 429


def test_store_down_fails_open(app, client, clinic_headers, at_now, monkeypatch):
    from auth.throttle import ThrottleUnavailable
    from services import runtime

    def down(_rules):
        raise ThrottleUnavailable("connection refused")
    with app.app_context():
        monkeypatch.setattr(runtime.get().throttle, "hit_all", down)
    resp = client.post(URL, json=base_request("DN4010123456789"), headers=clinic_headers)
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "050"  # the desk keeps working
