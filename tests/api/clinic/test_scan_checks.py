"""POST /clinic/card-checks with `scan`: what the desk's scanner typed (CONTRACT §5a)."""
import pytest
from sqlalchemy import func, select

from models import AuditEvent, CardCheck
from tests.api.clinic.cases import STAFF
from tests.api.clinic.scan_strings import cccd_qr, legacy_qr, through_a_camera

URL = "/api/v1/clinic/card-checks"
DESK = {"staff_cccd": STAFF[0], "staff_name": STAFF[1]}


def check(client, headers, scan):
    resp = client.post(URL, json={"scan": scan, **DESK}, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def stored(session, check_id):
    session.expire_all()
    return session.get(CardCheck, check_id)


@pytest.mark.parametrize("camera", [False, True], ids=["typed", "qr_round_trip"])
def test_chip_cccd_qr(client, session, with_card, clinic_headers, camera):
    _person, card, _h = with_card
    text = cccd_qr("001095000001", "NGUYỄN VĂN AN", "05031995")
    body = check(client, clinic_headers, through_a_camera(text) if camera else text)
    assert (body["result_code"], body["card"]["card_number"]) == ("000", card.card_number)
    row = stored(session, body["check_id"])
    assert (row.identifier_type, row.card_id, row.staff_cccd) == ("cccd_qr", card.id, STAFF[0])


@pytest.mark.parametrize("camera", [False, True], ids=["typed", "qr_round_trip"])
def test_legacy_card_qr(client, session, with_card, clinic_headers, camera):
    _person, card, _h = with_card
    text = legacy_qr(card.card_number, "Nguyễn Văn An", "05/03/1995")
    body = check(client, clinic_headers, through_a_camera(text) if camera else text)
    assert body["result_code"] == "000" and body["usable"] is True
    assert stored(session, body["check_id"]).identifier_type == "legacy_card_qr"


def test_signed_card_qr_scanned(client, session, with_card, clinic_headers):
    _person, card, headers = with_card
    qr = client.get("/api/v1/me/card", headers=headers).get_json()["qr"]
    body = check(client, clinic_headers, through_a_camera(qr) + "\r\n")
    assert (body["result_code"], body["card"]["card_number"]) == ("000", card.card_number)
    assert stored(session, body["check_id"]).identifier_type == "signed_qr"


def test_the_scanned_values_are_checked(client, session, with_card, clinic_headers):
    assert check(client, clinic_headers, cccd_qr("001095000001", "Trần Văn An", "05031995"))["result_code"] == "060"
    assert check(client, clinic_headers, cccd_qr("001095000001", "Nguyễn Văn An", "06031995"))["result_code"] == "070"
    assert check(client, clinic_headers, cccd_qr("001095999999", "Nguyễn Văn An", "05031995"))["result_code"] == "050"
    body = check(client, clinic_headers, legacy_qr("ZZ4010123456789", "Nguyễn Văn An", "05/03/1995"))
    assert body["result_code"] == "051" and body["card"] is None


@pytest.mark.xfail(strict=True, reason="partial birth dates, part A")
@pytest.mark.parametrize("dob", ["031995", "1995"])
def test_chip_cccd_qr_with_a_partial_birth_date(client, with_card, clinic_headers, dob):
    assert check(client, clinic_headers, cccd_qr("001095000001", "Nguyễn Văn An", dob))["result_code"] == "000"


@pytest.mark.parametrize("scan", ["", "hello", "DN4010123456789", "a|b|c|d|e|f|g", "DN4010123456789|zz|x|1$",
                                  12, None, ["x"], "x" * 5000])
def test_anything_else_is_205_and_only_the_check_row_is_stored(client, session, with_card, clinic_headers, scan):
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    body = check(client, clinic_headers, scan)
    assert (body["result_code"], body["card"], body["usable"]) == ("205", None, False)
    assert session.scalar(select(func.count()).select_from(CardCheck)) == 1
    assert stored(session, body["check_id"]).identifier_type == "invalid"
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_scan_with_other_fields_is_205(client, with_card, clinic_headers):
    resp = client.post(URL, json={"scan": cccd_qr("001095000001", "Nguyễn Văn An", "05031995"),
                                  "identifier": "DN4010123456789", **DESK}, headers=clinic_headers)
    assert resp.get_json()["result_code"] == "205"


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_scan_needs_a_clinic(client, with_card, who):
    headers = {} if who == "anonymous" else with_card[2]
    resp = client.post(URL, json={"scan": "a.b.c", **DESK}, headers=headers)
    assert resp.status_code == (401 if who == "anonymous" else 403)
