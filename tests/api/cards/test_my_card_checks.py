from models import Facility
from tests import factories as f
from tests.conftest import assert_problem

URL = "/api/v1/me/card-checks"
CHECK = "/api/v1/clinic/card-checks"


def check(client, headers, card_number, name="Nguyễn Văn An", staff=("001095012345", "Lê Văn Cường")):
    resp = client.post(CHECK, headers=headers, json={
        "identifier": card_number, "full_name": name, "date_of_birth": "1995-03-05",
        "staff_cccd": staff[0], "staff_name": staff[1]})
    return resp.get_json()


def test_citizen_sees_every_check_of_their_card(app, client, session, with_card, clinic_headers, at_now):
    _person, card, headers = with_card
    first = check(client, clinic_headers, card.card_number)
    at_now.advance(minutes=5)
    other = f.clinic(app, session, facility_code="79001", staff=("079095000002", "Phạm Thị Dung"))[1]
    session.get(Facility, "79001").name = "Bệnh viện Chợ Rẫy"
    session.commit()
    second = check(client, other, card.card_number, name="Nguyen Van An", staff=("079095000002", "Phạm Thị Dung"))
    # Someone else's card and a failed look-up: not mine.
    p2 = f.person(session, bhxh_code="0999999999")
    f.card(session, p2)
    check(client, clinic_headers, "DN4010999999999")
    check(client, clinic_headers, "DN4019999999998")

    resp = client.get(URL, headers=headers)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["total"] == 2 and body["page"] == 1
    assert body["items"] == [
        {"check_id": second["check_id"], "checked_at": second["checked_at"], "facility_code": "79001",
         "facility_name": "Bệnh viện Chợ Rẫy", "result_code": "061"},
        {"check_id": first["check_id"], "checked_at": first["checked_at"], "facility_code": "01001",
         "facility_name": "Bệnh viện Bạch Mai", "result_code": "000"},
    ]


def test_pagination(client, with_card, clinic_headers, at_now):
    _person, card, headers = with_card
    for _ in range(3):
        check(client, clinic_headers, card.card_number)
        at_now.advance(seconds=1)
    body = client.get(URL, query_string={"per_page": 2, "page": 2}, headers=headers).get_json()
    assert body["total"] == 3 and len(body["items"]) == 1 and body["per_page"] == 2
    assert_problem(client.get(URL, query_string={"per_page": 101}, headers=headers), 422, "validation_error")


def test_not_linked(app, client, session, at_now):
    _acc, headers = f.citizen(app, session)
    assert_problem(client.get(URL, headers=headers), 404, "not_linked")


def test_empty_list(client, linked):
    _p, headers = linked
    assert client.get(URL, headers=headers).get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0}
