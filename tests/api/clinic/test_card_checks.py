from datetime import date

import pytest
from sqlalchemy import func, select

from card_codes import MESSAGES
from models import CardCheck
from tests import factories as f
from tests.api.clinic.cases import CASES, STAFF, base_request
from tests.conftest import assert_problem

URL = "/api/v1/clinic/card-checks"


def post(client, headers, body):
    resp = client.post(URL, json=body, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_every_result_code(client, session, clinic_headers, case):
    body = post(client, clinic_headers, case.arrange(session))
    assert body["result_code"] == case.code, case.note
    assert body["result_message"] == MESSAGES[case.code]
    assert body["usable"] is case.usable
    assert (body["card"] is not None) is case.card
    assert (body["renewed_card"] is not None) is case.renewed
    assert body["check_id"] and body["checked_at"].startswith("2026-06-15T03:00:00")
    stored = session.get(CardCheck, body["check_id"])
    assert stored.result_code == case.code and stored.facility_code == "01001"
    assert stored.staff_cccd == (STAFF[0] if case.code != "054" else "001095099999")


def test_the_answer_carries_the_card(client, session, clinic_headers):
    body = post(client, clinic_headers, CASES[0].arrange(session))
    card = body["card"]
    assert card["card_number"] == "DN4010123456789" and card["bhxh_code"] == "0123456789"
    assert card["full_name"] == "Nguyễn Văn An" and card["date_of_birth"] == "1995-03-05"
    assert card["benefit_rate"] == 80 and card["status"] == "active"
    assert card["primary_care_facility"] == {"code": "01001", "name": "Bệnh viện Bạch Mai"}
    assert "qr" not in card


def test_renewed_card_is_the_replacement(client, session, clinic_headers):
    body = post(client, clinic_headers, next(c for c in CASES if c.code == "004").arrange(session))
    assert body["card"]["card_number"] == "DN4010123456789"
    assert body["renewed_card"]["card_number"] == "HC4010123456789"
    assert body["renewed_card"]["valid_from"] == "2026-06-01"


@pytest.mark.parametrize("typed", ["NGUYỄN VĂN AN", "Nguyễn  Văn An", " nguyễn văn an "])
def test_name_case_and_spaces_do_not_matter(client, session, clinic_headers, typed):
    req = CASES[0].arrange(session)
    assert post(client, clinic_headers, {**req, "full_name": typed})["result_code"] == "000"


@pytest.mark.parametrize("identifier", ["DN4 01 0123456789", "dn4-01-0123456789", "0123456789", "001095000001",
                                        "0123 456 789", "001-095-000-001"])
def test_identifier_shapes_and_separators(client, session, clinic_headers, identifier):
    p = f.person(session, cccd="001095000001")
    f.card(session, p)
    body = post(client, clinic_headers, {**base_request("x"), "identifier": identifier})
    assert body["result_code"] == "000" and body["card"]["card_number"] == "DN4010123456789"
    kind = {10: "bhxh_code", 12: "cccd"}.get(len(identifier.replace(" ", "").replace("-", "")), "card_number")
    assert session.get(CardCheck, body["check_id"]).identifier_type == kind


def test_bhxh_code_and_cccd_find_the_current_card(client, session, clinic_headers):
    p = f.person(session, cccd="001095000001")
    f.card(session, p, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    f.card(session, p, object_code="HC", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    for identifier in ("0123456789", "001095000001"):
        body = post(client, clinic_headers, {**base_request("x"), "identifier": identifier})
        assert body["result_code"] == "000" and body["card"]["card_number"] == "HC4010123456789"
        assert body["renewed_card"] is None


def test_person_without_card_is_050(client, session, clinic_headers):
    f.person(session, cccd="001095000001")
    body = post(client, clinic_headers, {**base_request("x"), "identifier": "001095000001"})
    assert body["result_code"] == "050" and body["card"] is None


def test_order_staff_before_identifier_and_205_first(client, session, clinic_headers):
    bad_staff = {**base_request("XX"), "staff_cccd": "001095099999"}
    assert post(client, clinic_headers, bad_staff)["result_code"] == "054"
    assert post(client, clinic_headers, {**bad_staff, "date_of_birth": "05/03/1995"})["result_code"] == "205"


def test_name_checked_before_dob_and_funds_before_revocation(client, session, clinic_headers):
    p = f.person(session)
    f.card(session, p, object_code="QN", benefit_level=5, status="revoked", status_reason="x")
    req = base_request("QN5010123456789")
    assert post(client, clinic_headers, {**req, "full_name": "Trần Thị Bình", "date_of_birth": "2000-01-01"})[
        "result_code"] == "060"
    assert post(client, clinic_headers, req)["result_code"] == "001"


def test_revoked_old_card_is_110_not_003(client, session, clinic_headers):
    p = f.person(session)
    f.card(session, p, valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31), status="revoked")
    f.card(session, p, object_code="HC", valid_from=date(2026, 1, 1))
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "110"


@pytest.mark.parametrize("body", [
    {},
    {"identifier": "DN4010123456789"},
    {**base_request("DN4010123456789"), "date_of_birth": "1995-02-30"},
    {**base_request("DN4010123456789"), "date_of_birth": "05/03/1995"},
    {**base_request("DN4010123456789"), "date_of_birth": 19950305},
    {**base_request("DN4010123456789"), "staff_cccd": "12345"},
    {**base_request("DN4010123456789"), "staff_cccd": "999095012345"},
    {**base_request("DN4010123456789"), "staff_name": "  "},
    {**base_request("DN4010123456789"), "full_name": "x" * 201},
    {**base_request("DN4010123456789"), "identifier": 123},
    {**base_request("DN4010123456789"), "surprise": 1},
    {**base_request("DN4010123456789"), "qr": "a.b.c"},
    {"qr": "", "staff_cccd": STAFF[0], "staff_name": STAFF[1]},
    [1, 2],
    "text",
])
def test_ill_formed_requests_are_205_and_stored(client, session, clinic_headers, body):
    resp = client.post(URL, json=body, headers=clinic_headers)
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "205"
    assert resp.get_json()["card"] is None
    assert session.scalar(select(func.count()).select_from(CardCheck)) == 1


def test_non_json_body_is_205(client, session, clinic_headers):
    resp = client.post(URL, data=b"{not json", content_type="application/json", headers=clinic_headers)
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "205"
    resp = client.post(URL, headers=clinic_headers)
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "205"


def test_form_body_is_415(client, clinic_headers):
    resp = client.post(URL, data={"identifier": "x"}, headers=clinic_headers)
    assert_problem(resp, 415, "unsupported_media_type")


def test_privacy_card_number_without_the_name_reveals_nothing(client, session, clinic_headers):
    p = f.person(session)
    f.card(session, p)
    for name in ("Trần Thị Bình", "Nguyen Van An", "Nguyễn Văn A"):
        resp = client.post(URL, json={**base_request("DN4010123456789"), "full_name": name}, headers=clinic_headers)
        body = resp.get_json()
        assert body["card"] is None and body["renewed_card"] is None
        text = resp.get_data(as_text=True)
        for secret in ("0123456789", "1995", "Bạch Mai", "male", p.full_name):
            assert secret not in text
    body = post(client, clinic_headers, {**base_request("DN4010123456789"), "date_of_birth": "1990-01-01"})
    assert body["result_code"] == "070" and body["card"] is None


def test_staff_of_another_clinic_is_054(app, client, session, clinic_headers):
    f.clinic(app, session, facility_code="79001", staff=("001095077777", "Phạm Thị Dung"))
    p = f.person(session)
    f.card(session, p)
    body = post(client, clinic_headers, {**base_request("DN4010123456789"), "staff_cccd": "001095077777",
                                         "staff_name": "Phạm Thị Dung"})
    assert body["result_code"] == "054"


def test_every_check_is_stored_with_who_and_whose(client, session, clinic_headers):
    p = f.person(session)
    c = f.card(session, p)
    body = post(client, clinic_headers, {**base_request(c.card_number), "full_name": "Trần Thị Bình"})
    row = session.get(CardCheck, body["check_id"])
    assert (row.person_id, row.card_id, row.result_code) == (p.id, c.id, "060")
    assert row.staff_name == STAFF[1] and row.identifier_type == "card_number"
    assert row.client_id.startswith("clinic_")


def test_expiry_follows_the_frozen_clock(client, session, clinic_headers, at_now):
    p = f.person(session)
    f.card(session, p, valid_to=date(2026, 6, 15))
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "000"
    at_now.advance(hours=13)  # 23:00 in Vietnam on 15/06: still valid
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "000"
    at_now.advance(hours=1)  # 00:00 on 16/06 in Vietnam
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "010"


def test_query_budget(app, client, session, clinic_headers, monkeypatch):
    """A found card costs two statements, the SELECT and the INSERT of the check row, both through
    the hot path's runner (straight psycopg on PostgreSQL: nothing else reaches the engine)."""
    from tests.db.counting import statements_sent

    p = f.person(session)
    f.card(session, p)
    post(client, clinic_headers, base_request("DN4010123456789"))  # the worker reads the allow-list (every 10 s)
    with statements_sent(app, monkeypatch) as seen:
        assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "000"
    assert seen.runner == ["SELECT", "INSERT"]
    # The check limits' counting is the throttle store's own cost (Redis, or its tables without Redis).
    own = [s for s in seen.engine if "throttle_" not in s]
    assert len(own) == (0 if app.extensions["db"].engine.dialect.name == "postgresql" else 2), own


@pytest.mark.parametrize("who", ["anonymous", "citizen", "officer", "employer"])
def test_only_clinics(app, client, session, who, at_now):
    headers = {
        "anonymous": lambda: {},
        "citizen": lambda: f.citizen(app, session)[1],
        "officer": lambda: f.officer(app, session)[1],
        "employer": lambda: f.employer(app, session)[1],
    }[who]()
    resp = client.post(URL, json=base_request("DN4010123456789"), headers=headers)
    if who == "anonymous":
        assert_problem(resp, 401, "unauthorized")
    else:
        assert_problem(resp, 403, "forbidden")
    assert_problem(client.post(URL, json={}, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


@pytest.mark.parametrize("body", [base_request("DN4010123456789"), {"qr": "not-a-qr", "staff_cccd": STAFF[0],
                                                                    "staff_name": STAFF[1]}, {"nonsense": 1}],
                         ids=["found", "bad_qr", "ill_formed"])
def test_deactivated_clinic_client_is_refused_at_once(app, client, session, at_now, body):
    """A clinic client switched off by an operator: its still-unexpired token is refused (401) on
    both check endpoints and nothing is stored."""
    from models import ApiClient

    cl, headers = f.clinic(app, session, staff=STAFF)
    f.card(session, f.person(session))
    session.get(ApiClient, cl.client_id).active = False
    session.commit()
    assert_problem(client.post(URL, json=body, headers=headers), 401, "unauthorized")
    gateway = {"maThe": "DN4010123456789", "hoTen": "x", "ngaySinh": "01/01/1990", "hoTenCb": STAFF[1],
               "cccdCb": STAFF[0]}
    gw = client.post("/api/egw/KQNhanLichSuKCB2024", json=gateway, headers=headers)
    assert (gw.status_code, gw.get_json()["maKetQua"]) == (401, "401")  # the gateway's dialect
    assert session.scalar(select(func.count()).select_from(CardCheck)) == 0
