"""GET /officer/campaign: participants, with a verified CCCD, with an app account, by province."""
from __future__ import annotations

import csv
import io

from services import campaign
from tests import factories
from tests.api.employer import helpers as emp
from tests.api.employer.identity_helpers import legacy_employee, settle
from tests.api.links.helpers import URL as LINK_URL
from tests.api.links.helpers import an_in_registry_and_insured
from tests.api.links.helpers import body as link_body
from tests.conftest import assert_problem

URL = "/api/v1/officer/campaign"


def _world(app, client, session, employer):
    """Hà Nội: 3 legacy employees without CCCD + An (linked through the API) + 2 enrolled through the
    API; Hồ Chí Minh: 1 legacy record without CCCD and 1 with."""
    for i in range(3):
        legacy_employee(session, i)
    legacy_employee(session, 3, unit_code="HCM0001", province="79")
    other = factories.person(session, bhxh_code="7900000001", cccd="079090000001", full_name="Lý Thị Mai",
                             gender="female")
    factories.card(session, other, province_code="79")
    an = an_in_registry_and_insured(session)
    factories.card(session, an, province_code="01")
    settle(session)
    _, citizen = factories.citizen(app, session, phone="+84911000333")
    assert client.post(LINK_URL, json=link_body(), headers=citizen).status_code == 200
    rows = emp.rows(2)
    emp.register(session, rows)
    assert emp.enroll(client, employer[1], rows).get_json()["enrolled"] == 2


def test_officer_sees_the_standing_by_province(app, client, session, employer):
    _world(app, client, session, employer)
    _, officer = factories.officer(app, session)
    resp = client.get(URL, headers=officer)
    assert resp.status_code == 200, resp.get_json()
    doc = resp.get_json()
    assert doc["province"] is None and doc["as_of"].startswith("2026-11-25")
    assert doc["totals"] == {"participants": 8, "cccd_verified": 4, "cccd_verified_pct": 50.0,
                             "app_linked": 1, "app_linked_pct": 12.5}
    by = {p["province_code"]: p for p in doc["provinces"]}
    assert list(by) == ["01", "79"]
    assert by["01"] == {"province_code": "01", "province_name": "Hà Nội", "participants": 6, "cccd_verified": 3,
                        "cccd_verified_pct": 50.0, "app_linked": 1, "app_linked_pct": 16.67}
    assert by["79"]["province_name"] == "Hồ Chí Minh" and by["79"]["participants"] == 2
    session.rollback()
    assert campaign.kept_count(session) == campaign.full_count(session)


def test_one_province_and_csv(app, client, session, employer):
    _world(app, client, session, employer)
    _, officer = factories.officer(app, session)
    one = client.get(f"{URL}?province=79", headers=officer).get_json()
    assert one["province"] == "79" and [p["province_code"] for p in one["provinces"]] == ["79"]
    assert one["totals"]["participants"] == 2 and one["totals"]["cccd_verified_pct"] == 50.0
    empty = client.get(f"{URL}?province=96", headers=officer).get_json()
    assert empty["provinces"] == [{"province_code": "96", "province_name": "Cà Mau", "participants": 0,
                                   "cccd_verified": 0, "cccd_verified_pct": None, "app_linked": 0,
                                   "app_linked_pct": None}]
    resp = client.get(f"{URL}?format=csv", headers=officer)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert lines[0] == ["province_code", "province_name", "participants", "cccd_verified", "cccd_verified_pct",
                        "app_linked", "app_linked_pct"]
    assert lines[1] == ["01", "Hà Nội", "6", "3", "50.00", "1", "16.67"]
    assert lines[-1] == ["ALL", "Toàn quốc", "8", "4", "50.00", "1", "12.50"]
    only = list(csv.reader(io.StringIO(client.get(f"{URL}?province=96&format=csv", headers=officer)
                                       .get_data(as_text=True))))
    assert only[1:] == [["96", "Cà Mau", "0", "0", "", "0", ""]]


def test_bad_query(app, client, session):
    _, officer = factories.officer(app, session)
    for query in ("province=00", "province=1", "province=AB", "format=xml"):
        assert_problem(client.get(f"{URL}?{query}", headers=officer), 422, "validation_error")


def test_only_officers(app, client, session, employer):
    _, citizen = factories.citizen(app, session)
    _, clinic = factories.clinic(app, session)
    assert_problem(client.get(URL), 401, "unauthorized")
    for headers in (citizen, clinic, employer[1]):
        assert_problem(client.get(URL, headers=headers), 403, "forbidden")
