"""POST /api/v1/clinic/visits and GET /api/v1/clinic/visits/{ma_lk}."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import CopayYear, Visit, VisitKey
from tests import factories as f
from tests.api.visits.helpers import holder_with_card, visit
from tests.conftest import assert_problem

URL = "/api/v1/clinic/visits"


def post(client, headers, visits):
    return client.post(URL, json={"visits": visits}, headers=headers)


def count(session, model=Visit) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_a_file_is_recorded_and_read_back(client, session, clinic_headers):
    holder_with_card(session)
    resp = post(client, clinic_headers, [visit("LK1"), visit("LK2", NGAY_VAO="202606020800", NGAY_RA="202606051000",
                                                             MA_LOAI_KCB="03")])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["recorded"] == 2 and [v["replaced"] for v in body["visits"]] == [False, False]
    got = client.get(f"{URL}/LK2", headers=clinic_headers).get_json()
    assert got["inpatient"] is True and got["facility"] == {"code": "01001", "name": "Bệnh viện Bạch Mai"}
    assert got["diagnosis"] == {"code": "J06.9", "name": "Acute upper respiratory infection, unspecified",
                                "text": "Viêm đường hô hấp trên cấp"}
    assert got["admitted_at"] == "2026-06-02T08:00:00+07:00"
    assert got["totals"] == {"total": 350000.0, "insurance_paid": 240000.0, "patient_paid": 110000.0,
                             "copay": 60000.0, "self_paid": 50000.0}
    assert count(session, CopayYear) == 1


def test_resending_a_ma_lk_replaces_the_visit_even_across_months(client, session, clinic_headers):
    person, _ = holder_with_card(session)
    assert post(client, clinic_headers, [visit("LK1")]).status_code == 200
    again = post(client, clinic_headers, [visit("LK1", NGAY_VAO="202607010800", NGAY_RA="202607010900",
                                                T_BNCCT="10000.00", T_BHTT="290000.00")])
    assert again.status_code == 200 and again.get_json()["visits"][0]["replaced"] is True
    assert count(session) == 1 and count(session, VisitKey) == 1
    assert session.scalar(select(CopayYear.paid).where(CopayYear.person_id == person.id)) == 10000
    # The same body again: still one visit (idempotent).
    assert post(client, clinic_headers, [visit("LK1", NGAY_VAO="202607010800", NGAY_RA="202607010900",
                                               T_BNCCT="10000.00", T_BHTT="290000.00")]).status_code == 200
    assert count(session) == 1


def test_one_bad_visit_refuses_the_whole_file_naming_every_error(client, session, clinic_headers):
    holder_with_card(session)
    resp = post(client, clinic_headers, [visit("LK1"), visit("LK2", T_BHTT="1", MA_BENH_CHINH="Q99.99"),
                                         visit("LK3", HO_TEN="Trần Văn Khác")])
    body = assert_problem(resp, 422, "validation_error")
    assert body["errors"] == {
        "visits[1].MA_BENH_CHINH": [{"code": "icd10_unknown", "message": "Q99.99 is not an ICD-10 category or subcategory."}],
        "visits[1].T_BHTT": [{"code": "t_bhtt_mismatch", "message": "T_BHTT must equal T_TONGCHI_BH - T_BNCCT."}],
        "visits[2].HO_TEN": [{"code": "holder_mismatch", "message": "HO_TEN is not the card holder's name."}],
    }
    assert {(e["ma_lk"], e["field"], e["rule"]) for e in body["visit_errors"]} == {
        ("LK2", "MA_BENH_CHINH", "icd10_unknown"), ("LK2", "T_BHTT", "t_bhtt_mismatch"),
        ("LK3", "HO_TEN", "holder_mismatch")}
    assert count(session) == 0 and count(session, VisitKey) == 0 and count(session, CopayYear) == 0


@pytest.mark.parametrize("change,field,rule", [
    ({"MA_THE_BHYT": "HC4010999999999"}, "MA_THE_BHYT", "card_unknown"),
    ({"NGAY_VAO": "202512300800", "NGAY_RA": "202512300900"}, "MA_THE_BHYT", "card_not_valid"),
    ({"NGAY_SINH": "199603050000"}, "NGAY_SINH", "holder_mismatch"),
    ({"GIOI_TINH": "2"}, "GIOI_TINH", "holder_mismatch"),
])
def test_the_card_must_be_the_holders_and_valid_on_ngay_vao(client, session, clinic_headers, change, field, rule):
    holder_with_card(session)
    body = assert_problem(post(client, clinic_headers, [visit(**change)]), 422, "validation_error")
    assert [(e["field"], e["rule"]) for e in body["visit_errors"]] == [(field, rule)]


def test_a_birth_year_only_and_a_revoked_card(client, session, clinic_headers):
    _, card = holder_with_card(session)
    assert post(client, clinic_headers, [visit(NGAY_SINH="199500000000")]).status_code == 200
    card.status = "revoked"
    session.commit()
    body = assert_problem(post(client, clinic_headers, [visit("LK9")]), 422, "validation_error")
    assert body["visit_errors"][0]["rule"] == "card_not_valid"


def test_a_clinic_can_neither_replace_nor_read_another_facilitys_visit(client, session, clinic_headers,
                                                                        other_clinic_headers):
    holder_with_card(session)
    assert post(client, clinic_headers, [visit("LK1")]).status_code == 200
    # The other clinic sending MA_LK LK1 for facility 01001 is refused ...
    body = assert_problem(post(client, other_clinic_headers, [visit("LK1")]), 422, "validation_error")
    assert body["visit_errors"][0]["rule"] == "facility_mismatch"
    # ... its own LK1 is another visit, and 01001's stays as it was.
    assert post(client, other_clinic_headers, [visit("LK1", MA_CSKCB="79001")]).status_code == 200
    assert count(session) == 2
    assert client.get(f"{URL}/LK1", headers=clinic_headers).get_json()["facility"]["code"] == "01001"
    assert_problem(client.get(f"{URL}/NOPE", headers=clinic_headers), 404, "visit_not_found")
    assert client.get(f"{URL}/LK1", headers=other_clinic_headers).get_json()["facility"]["code"] == "79001"


@pytest.mark.parametrize("body", [[], {"visits": "x"} | {"more": 1}, "text", {"other": []}])
def test_malformed_bodies(client, session, clinic_headers, body):
    resp = client.post(URL, json=body, headers=clinic_headers)
    assert_problem(resp, 422, "validation_error")


def test_empty_and_non_object_visits(client, session, clinic_headers):
    assert assert_problem(post(client, clinic_headers, []), 422, "validation_error")["errors"] == {
        "visits[0].visits": [{"code": "required", "message": "The file holds no visit."}]}
    assert_problem(client.post(URL, data="{", headers={**clinic_headers, "Content-Type": "application/json"}),
                   422, "validation_error")


@pytest.mark.parametrize("who", ["anonymous", "citizen", "officer", "employer"])
def test_only_clinics(app, client, session, at_now, who):
    headers = {"anonymous": dict, "citizen": lambda: f.citizen(app, session)[1],
               "officer": lambda: f.officer(app, session)[1], "employer": lambda: f.employer(app, session)[1]}[who]()
    for resp in (post(client, headers, [visit()]), client.get(f"{URL}/LK1", headers=headers)):
        assert_problem(resp, 401, "unauthorized") if who == "anonymous" else assert_problem(resp, 403, "forbidden")


def test_notifications_call_point_gets_what_was_recorded(client, session, clinic_headers, monkeypatch):
    from services import visits

    seen = []
    monkeypatch.setattr(visits, "notify_recorded", lambda _session, recorded: seen.append(recorded))
    holder_with_card(session)
    assert post(client, clinic_headers, [visit("LK1")]).status_code == 200
    assert [(v.ma_lk, v.replaced) for v in seen[0].visits] == [("LK1", False)] and seen[0].facility_code == "01001"


def test_a_recorded_visit_notifies_the_holder(app, client, session, clinic_headers):
    """CONTRACT §11: the holder's account gets a `visit_recorded` notification per recorded visit,
    in the file's transaction; a refused file notifies nobody."""
    from models import Notification

    person, _card = holder_with_card(session)
    account, citizen_headers = f.citizen(app, session)
    person.account_id = account.id
    session.commit()
    assert post(client, clinic_headers, [visit("LK1", MA_LOAI_KCB="99")]).status_code == 422
    assert count(session, Notification) == 0
    assert post(client, clinic_headers, [visit("LK1"), visit("LK2", NGAY_VAO="202606020800",
                                                             NGAY_RA="202606020900")]).status_code == 200
    session.expire_all()
    rows = session.scalars(select(Notification).where(Notification.account_id == account.id)).all()
    assert sorted(n.data["ma_lk"] for n in rows) == ["LK1", "LK2"] and {n.kind for n in rows} == {"visit_recorded"}
    assert rows[0].data["facility_code"] == "01001" and rows[0].data["admitted_on"].startswith("2026-06-0")
    listed = client.get("/api/v1/me/notifications", headers=citizen_headers).get_json()
    assert [i["kind"] for i in listed["items"]] == ["visit_recorded", "visit_recorded"]


def test_five_year_date_defaults(session, at_now):
    _, card = holder_with_card(session)
    assert card.five_year_date == date(2020, 1, 1)
