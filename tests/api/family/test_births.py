"""Newborn TE1 cards pushed by the birth-registration system (POST /births), the validity rule,
the parent's facility, replays and conflicts, the client kind; and 130 for a child without a card."""
from __future__ import annotations

from datetime import UTC, date

import pytest
from sqlalchemy import func, select

from models import BirthRegistration, Card, InsuredPerson, RegistryRecord
from services import api_clients
from services.births import te_valid_to
from tests import factories as f
from tests.api.family import helpers as h
from tests.api.family.helpers import API, MAI
from tests.conftest import assert_problem

URL = f"{API}/births"
BABY = {"registration_id": "HT-2026-000123", "cccd": "001226000123", "full_name": "Trần Gia Bảo",
        "date_of_birth": "2026-11-20", "gender": "male", "province_code": "01",
        "mother_cccd": MAI["cccd"], "father_cccd": h.HUNG["cccd"]}


@pytest.fixture
def fam(app, session, frozen_clock):
    frozen_clock.set(h.NOW)
    return h.build(app, session)


@pytest.fixture
def births_client(app, client, session):
    cl, secret = api_clients.create_client(session, "birth_registry", "Hệ thống đăng ký hộ tịch")
    session.commit()
    token = client.post(f"{API}/oauth/token", data={"grant_type": "client_credentials", "client_id": cl.client_id,
                                                    "client_secret": secret}).get_json()["access_token"]
    return cl, {"Authorization": f"Bearer {token}"}


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("born,valid_to", [
    (date(2026, 3, 10), date(2032, 9, 30)),   # turns 6 before the school year: to 30 September
    (date(2026, 9, 30), date(2032, 9, 30)),
    (date(2026, 10, 1), date(2032, 9, 30)),   # the day before the 6th birthday is 30 September
    (date(2026, 11, 20), date(2032, 11, 19)),  # later than 30 September: the day before the birthday
    (date(2024, 2, 29), date(2030, 9, 30)),
])
def test_te_validity_rule(born, valid_to):
    assert te_valid_to(born) == valid_to


def test_started_school_ends_the_day_before_the_6th_birthday():
    assert te_valid_to(date(2024, 2, 29), started_school=True) == date(2030, 2, 28)
    assert te_valid_to(date(2026, 3, 10), started_school=True) == date(2032, 3, 9)


def test_registration_issues_a_te1_card_at_the_mothers_facility(client, session, fam, births_client):
    f.facility(session, "79001", "Bệnh viện Chợ Rẫy")
    resp = client.post(URL, json={**BABY, "facility_code": "79001"}, headers=births_client[1])
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["card_number"] == f"TE101{body['bhxh_code']}" and body["benefit_level"] == 1
    assert (body["valid_from"], body["valid_to"]) == ("2026-11-20", "2032-11-19")
    assert body["facility_code"] == "01001"  # the mother's card's, not the fallback
    person = session.scalars(select(InsuredPerson).where(InsuredPerson.cccd == BABY["cccd"])).one()
    assert person.full_name == BABY["full_name"]
    reg = session.get(RegistryRecord, BABY["cccd"])
    assert (reg.mother_cccd, reg.father_cccd) == (MAI["cccd"], h.HUNG["cccd"])
    # Re-sent: the first answer, nothing new.
    again = client.post(URL, json={**BABY, "facility_code": "79001"}, headers=births_client[1])
    assert again.status_code == 200 and again.get_json() == body
    assert (_count(session, BirthRegistration), _count(session, Card)) == (1, 3)
    # The mother adds the newborn and sees its card.
    dep = h.add(client, fam.mai, {**BABY, "date_of_birth": date(2026, 11, 20)})
    assert dep.status_code == 201, dep.get_json()
    card = client.get(f"{API}/me/dependants/{dep.get_json()['id']}/card", headers=fam.mai).get_json()
    assert card["card_number"] == body["card_number"] and card["qr"]


def test_guardians_facility_then_the_fallback(client, session, fam, births_client):
    f.facility(session, "79001", "Bệnh viện Chợ Rẫy")
    orphan = {**BABY, "mother_cccd": None, "father_cccd": None, "guardian_cccd": h.BINH["cccd"]}
    assert_problem(client.post(URL, json=orphan, headers=births_client[1]), 422, "validation_error")  # no card
    resp = client.post(URL, json={**orphan, "facility_code": "79001"}, headers=births_client[1])
    assert resp.status_code == 201 and resp.get_json()["facility_code"] == "79001"


def test_conflicts(client, session, fam, births_client):
    assert client.post(URL, json=BABY, headers=births_client[1]).status_code == 201
    other_child = {**BABY, "cccd": "001326000124", "gender": "female"}
    assert_problem(client.post(URL, json=other_child, headers=births_client[1]), 409, "registration_conflict")
    other_id = {**BABY, "registration_id": "HT-2026-000999"}
    assert_problem(client.post(URL, json=other_id, headers=births_client[1]), 409, "registration_conflict")
    insured = {**BABY, "registration_id": "HT-2", "cccd": h.KHOI["cccd"], "date_of_birth": "2026-11-01"}
    resp = client.post(URL, json=insured, headers=births_client[1])
    assert resp.status_code == 422  # Khôi's CCCD says 2024: the number does not fit this birth
    assert _count(session, BirthRegistration) == 1


def test_already_insured(client, session, fam, births_client):
    f.person(session, bhxh_code="0126000555", cccd="001226000555", full_name="Trần An", date_of_birth=date(2026, 11, 1))
    resp = client.post(URL, json={**BABY, "cccd": "001226000555"}, headers=births_client[1])
    assert_problem(resp, 409, "already_insured")


@pytest.mark.parametrize("changes,field", [
    ({"cccd": "00122600012"}, "cccd"), ({"date_of_birth": "2027-01-01"}, "date_of_birth"),
    ({"date_of_birth": "2020-01-01"}, "date_of_birth"), ({"province_code": "00"}, "province_code"),
    ({"mother_cccd": None, "father_cccd": None}, "mother_cccd"), ({"gender": "boy"}, "gender"),
    ({"registration_id": ""}, "registration_id"), ({"mother_cccd": "001226000123"}, "mother_cccd"),
    ({"facility_code": "1"}, "facility_code"), ({"surprise": True}, "surprise"),
])
def test_bad_registration_is_422_and_writes_nothing(client, session, fam, births_client, changes, field):
    body = assert_problem(client.post(URL, json={**BABY, **changes}, headers=births_client[1]), 422,
                          "validation_error")
    assert field in body["errors"], body
    assert _count(session, BirthRegistration) == 0


def test_only_the_birth_registry_client_may_push(app, client, session, fam, births_client):
    _, clinic = f.clinic(app, session, staff=h.STAFF)
    _, employer = f.employer(app, session)
    for headers in (fam.mai, clinic, employer):
        assert_problem(client.post(URL, json=BABY, headers=headers), 403, "forbidden")
    assert_problem(client.post(URL, json=BABY), 401, "unauthorized")
    # The births client may do nothing else.
    for path in ("/me", "/me/dependants", "/cards/revoked?since=2026-01-01T00:00:00Z", "/employer/employees"):
        assert_problem(client.get(API + path, headers=births_client[1]), 403, "forbidden")
    # A deactivated client is refused at once.
    births_client[0].active = False
    session.commit()
    assert_problem(client.post(URL, json=BABY, headers=births_client[1]), 401, "unauthorized")
    assert _count(session, BirthRegistration) == 0


def _check(client, headers, identifier, who, dob):
    return client.post(f"{API}/clinic/card-checks", headers=headers, json={
        "identifier": identifier, "full_name": who, "date_of_birth": dob,
        "staff_cccd": h.STAFF[0], "staff_name": h.STAFF[1]}).get_json()


def test_a_child_without_a_card_is_130_at_the_clinic_and_the_gateway(app, client, session, fam):
    _, clinic = f.clinic(app, session, staff=h.STAFF)
    lan = h.LAN
    body = _check(client, clinic, lan["cccd"], lan["full_name"], "2021-03-01")
    assert body["result_code"] == "130" and body["usable"] is False and body["card"] is None
    assert body["result_message"] == "Trẻ em không xuất trình thẻ BHYT"
    gw = client.post("/api/egw/KQNhanLichSuKCB2024", headers=clinic, json={
        "maThe": lan["cccd"], "hoTen": lan["full_name"], "ngaySinh": "01/03/2021", "hoTenCb": h.STAFF[1],
        "cccdCb": h.STAFF[0]}).get_json()
    assert gw["maKetQua"] == "130"
    # The identity must match, or nothing is revealed.
    assert _check(client, clinic, lan["cccd"], "Trần Thị Lân", "2021-03-01")["result_code"] == "050"
    assert _check(client, clinic, lan["cccd"], lan["full_name"], "2021-03-02")["result_code"] == "050"
    # An adult without a card is 050, as before; an insured child without a card (by BHXH code) is 130.
    assert _check(client, clinic, h.BINH["cccd"], h.BINH["full_name"], "1985-01-20")["result_code"] == "050"
    f.person(session, bhxh_code="0126000777", full_name="Trần Bé", date_of_birth=date(2026, 1, 2), gender="female")
    assert _check(client, clinic, "0126000777", "Trần Bé", "2026-01-02")["result_code"] == "130"


def test_the_child_turns_6_and_is_050(app, client, session, frozen_clock, fam):
    from datetime import datetime

    _, clinic = f.clinic(app, session, staff=h.STAFF)
    frozen_clock.set(datetime(2027, 2, 28, 17, 0, tzinfo=UTC))  # 1 March 2027 in Vietnam: Lan is 6
    assert _check(client, clinic, h.LAN["cccd"], h.LAN["full_name"], "2021-03-01")["result_code"] == "050"
    frozen_clock.set(datetime(2027, 2, 28, 16, 0, tzinfo=UTC))  # 28 February: still 5
    assert _check(client, clinic, h.LAN["cccd"], h.LAN["full_name"], "2021-03-01")["result_code"] == "130"
