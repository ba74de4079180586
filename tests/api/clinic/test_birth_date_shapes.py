"""Partial birth dates at the clinic desk and the gateway: shapes taken, comparisons both ways,
answers in the precision held, and every ill-formed date a 205 (nothing stored but the check)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import CardCheck, InsuredPerson
from services.birth_dates import BirthDate
from tests import factories as f
from tests.api.clinic.cases import STAFF

CLINIC = "/api/v1/clinic/card-checks"
GATEWAY = "/api/egw/KQNhanLichSuKCB2024"
NAME = "Nguyễn Văn An"


def _holder(session, born: BirthDate):
    p = f.person(session, date_of_birth=born)
    return f.card(session, p).card_number


def _clinic(client, headers, number: str, dob) -> dict:
    resp = client.post(CLINIC, json={"identifier": number, "full_name": NAME, "date_of_birth": dob,
                                     "staff_cccd": STAFF[0], "staff_name": STAFF[1]}, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _gateway(client, headers, number: str, dob, form: bool = False) -> dict:
    body = {"maThe": number, "hoTen": NAME, "ngaySinh": dob, "hoTenCb": STAFF[1], "cccdCb": STAFF[0]}
    payload = {"data": body} if form else {"json": body}
    resp = client.post(GATEWAY, headers=headers, **payload)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


# held, given (ISO), expected code: only the parts both sides know are compared
CLINIC_CASES = [
    (BirthDate(1958, 4, 12), "1958-04-12", "000"),
    (BirthDate(1958, 4, 12), "1958-04", "000"),     # the request gives less: compared on what it gives
    (BirthDate(1958, 4, 12), "1958", "000"),
    (BirthDate(1958, 4, 12), "1958-05", "070"),
    (BirthDate(1958, 4, 12), "1957", "070"),
    (BirthDate(1958, 4, 12), "1958-04-13", "070"),
    (BirthDate(1958), "1958-04-12", "000"),         # the record holds less: compared on the year
    (BirthDate(1958), "1958-11", "000"),
    (BirthDate(1958), "1958", "000"),
    (BirthDate(1958), "1959-04-12", "070"),
    (BirthDate(1958, 4), "1958-04-30", "000"),
    (BirthDate(1958, 4), "1958-05-01", "070"),
    (BirthDate(1958, 4), "1958", "000"),
]


@pytest.mark.parametrize(("held", "given", "code"), CLINIC_CASES)
def test_clinic_compares_the_parts_both_know(client, session, clinic_headers, held, given, code):
    body = _clinic(client, clinic_headers, _holder(session, held), given)
    assert body["result_code"] == code
    if code == "000":
        assert body["card"]["date_of_birth"] == held.iso()  # the precision held, not the one asked


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
@pytest.mark.parametrize(("held", "given", "code"), CLINIC_CASES)
def test_gateway_compares_the_parts_both_know(client, session, clinic_headers, held, given, code, form):
    ngay_sinh = BirthDate.parse_iso(given).gateway()
    body = _gateway(client, clinic_headers, _holder(session, held), ngay_sinh, form)
    assert body["maKetQua"] == code
    if code == "000":
        assert body["ngaySinh"] == held.gateway()
        assert f"Ngày sinh: {held.gateway()}," in body["ghiChu"]


@pytest.mark.parametrize(("given", "code"), [("12041958", "000"), ("12/04/1958", "000"), ("04/1958", "000"),
                                             ("1958", "000"), ("13041958", "070")])
def test_gateway_shapes_including_the_8_digit_form(client, session, clinic_headers, given, code):
    assert _gateway(client, clinic_headers, _holder(session, BirthDate(1958, 4, 12)), given)["maKetQua"] == code


@pytest.mark.parametrize("held, answer", [(BirthDate(1958, 4, 12), "12/04/1958"), (BirthDate(1958, 4), "04/1958"),
                                          (BirthDate(1958), "1958")])
def test_gateway_answers_in_the_precision_held(client, session, clinic_headers, held, answer):
    body = _gateway(client, clinic_headers, _holder(session, held), "1958")
    assert (body["maKetQua"], body["ngaySinh"]) == ("000", answer)


BAD_ISO = ["1958-02-30", "58", "1958-4", "1958-4-12", "12/04/1958", "\u0661\u0669\u0665\u0668", "1958-00",
           "1958-13", "1899", "", "  ", "1958-04-12T00:00", 1958, None, ["1958"]]
BAD_GATEWAY = ["30/02/1958", "58", "4/1958", "1958-04-12", "\u0661\u0669\u0665\u0668", "13/1958", "00/1958",
               "1899", "3021958", "", 1958, None]


@pytest.mark.parametrize("given", BAD_ISO, ids=repr)
def test_clinic_bad_shapes_are_205_and_store_only_the_check(client, session, clinic_headers, given):
    number = _holder(session, BirthDate(1958, 4, 12))
    before = session.scalar(select(func.count()).select_from(InsuredPerson))
    assert _clinic(client, clinic_headers, number, given)["result_code"] == "205"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CardCheck)) == 1
    assert session.scalar(select(func.count()).select_from(InsuredPerson)) == before


@pytest.mark.parametrize("given", BAD_GATEWAY, ids=repr)
def test_gateway_bad_shapes_are_205(client, session, clinic_headers, given):
    body = _gateway(client, clinic_headers, _holder(session, BirthDate(1958, 4, 12)), given)
    assert body["maKetQua"] == "205" and body["ngaySinh"] is None
