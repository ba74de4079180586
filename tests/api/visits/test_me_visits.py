"""GET /api/v1/me/visits, and the co-payment ceiling as /me/card and the card check tell it."""
from __future__ import annotations

from datetime import date

from tests import factories as f
from tests.api.visits.helpers import STAFF, holder_with_card, visit
from tests.conftest import assert_problem

URL = "/api/v1/me/visits"


def linked_holder(app, session, **kw):
    person, card = holder_with_card(session, **kw)
    acc, headers = f.citizen(app, session)
    person.account_id = acc.id
    session.commit()
    return person, card, headers


def submit(client, headers, visits):
    resp = client.post("/api/v1/clinic/visits", json={"visits": visits}, headers=headers)
    assert resp.status_code == 200, resp.get_json()


def day_visit(n: int, copay: int = 60000, **kw) -> dict:
    """Visit n on June n, 2026, with this co-payment (the totals stay consistent)."""
    insured = copay + 240000
    return visit(f"LK{n:03d}", NGAY_VAO=f"202606{n:02d}0800", NGAY_RA=f"202606{n:02d}0900",
                 T_TONGCHI_BH=f"{insured}.00", T_TONGCHI_BV=f"{insured + 50000}.00", T_BNCCT=f"{copay}.00",
                 T_BHTT="240000.00", **kw)


def test_my_visits_newest_first_paginated(app, client, session, clinic_headers):
    _person, _card, headers = linked_holder(app, session)
    submit(client, clinic_headers, [day_visit(n) for n in range(1, 6)])
    page = client.get(f"{URL}?per_page=2&page=1", headers=headers)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_json()
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 2
    assert [v["ma_lk"] for v in body["items"]] == ["LK005", "LK004"]
    assert [v["ma_lk"] for v in client.get(f"{URL}?per_page=2&page=3", headers=headers).get_json()["items"]] == ["LK001"]
    item = body["items"][0]
    assert set(item) == {"visit_id", "ma_lk", "facility", "admitted_at", "discharged_at", "visit_type", "inpatient",
                         "diagnosis", "other_diagnoses", "totals"}
    assert item["other_diagnoses"] == ["I10"]
    assert_problem(client.get(f"{URL}?per_page=101", headers=headers), 422, "validation_error")


def test_citizens_see_only_their_own(app, client, session, clinic_headers):
    linked_holder(app, session)
    submit(client, clinic_headers, [day_visit(1)])
    other = f.person(session, bhxh_code="0300000003", full_name="Đỗ Thị Cúc", date_of_birth=date(1985, 2, 2),
                     gender="female")
    acc, other_headers = f.citizen(app, session, phone="+84933333333", full_name="Đỗ Thị Cúc")
    other.account_id = acc.id
    session.commit()
    assert client.get(URL, headers=other_headers).get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0}
    _acc, unlinked = f.citizen(app, session, phone="+84944444444")
    assert_problem(client.get(URL, headers=unlinked), 404, "not_linked")
    assert_problem(client.get(URL), 401, "unauthorized")
    for headers in (f.officer(app, session)[1], clinic_headers, f.employer(app, session)[1]):
        assert_problem(client.get(URL, headers=headers), 403, "forbidden")


def check(client, headers):
    body = {"identifier": "DN4010123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
            "staff_cccd": STAFF[0], "staff_name": STAFF[1]}
    return client.post("/api/v1/clinic/card-checks", json=body, headers=headers).get_json()


def test_the_ceiling_is_told_by_me_card_the_check_and_the_gateway(app, client, session, clinic_headers):
    _person, _card, headers = linked_holder(app, session)
    submit(client, clinic_headers, [day_visit(1, copay=7_000_000), day_visit(3, copay=7_040_000)])
    state = client.get("/api/v1/me/card", headers=headers).get_json()["co_payment"]
    assert state == {"year": 2026, "paid": 14_040_000.0, "ceiling": 14_040_000, "five_years": True,
                     "exempt": False, "exempt_from": None}  # exactly 6 x is not more
    submit(client, clinic_headers, [day_visit(7, copay=1)])
    state = client.get("/api/v1/me/card", headers=headers).get_json()["co_payment"]
    assert state["exempt"] is True and state["exempt_from"] == "2026-06-07" and state["paid"] == 14_040_001.0
    assert check(client, clinic_headers)["co_payment"] == state
    gateway = client.post("/api/egw/KQNhanLichSuKCB2024", headers=clinic_headers, data={
        "maThe": "DN4010123456789", "hoTen": "Nguyễn Văn An", "ngaySinh": "05/03/1995", "hoTenCb": STAFF[1],
        "cccdCb": STAFF[0]}).get_json()
    assert gateway["ngayMienCCT"] == "07/06/2026" and gateway["luyKeCCT"] == 14_040_001.0
    # Replacing the visit that crossed lowers the sum again.
    submit(client, clinic_headers, [day_visit(7, copay=0)])
    assert client.get("/api/v1/me/card", headers=headers).get_json()["co_payment"]["exempt"] is False


def test_no_exemption_without_five_years(app, client, session, clinic_headers):
    _person, _card, headers = linked_holder(app, session, five_year_date=None)
    submit(client, clinic_headers, [day_visit(1, copay=15_000_000)])
    state = client.get("/api/v1/me/card", headers=headers).get_json()["co_payment"]
    assert state["paid"] == 15_000_000.0 and state["exempt"] is False and state["five_years"] is False
    assert check(client, clinic_headers)["co_payment"]["exempt"] is False


def test_a_failed_check_tells_no_co_payment(app, client, session, clinic_headers):
    linked_holder(app, session)
    body = {"identifier": "DN4010123456789", "full_name": "Someone Else", "date_of_birth": "1995-03-05",
            "staff_cccd": STAFF[0], "staff_name": STAFF[1]}
    answer = client.post("/api/v1/clinic/card-checks", json=body, headers=clinic_headers).get_json()
    assert answer["result_code"] == "060" and answer["co_payment"] is None
