"""GET /employer/coverage and GET /employer/employees?missing=cccd|app: the HR clerk's to-do list."""
from __future__ import annotations

from models import InsuredPerson
from tests import factories
from tests.conftest import assert_problem

from .helpers import EMPLOYEES
from .identity_helpers import COVERAGE, legacy_employee


def _arrange(app, session):
    """Unit TE3964E: one with CCCD and app, one with CCCD only, two with neither, one who left;
    unit HCM0001: one with neither."""
    rows = [legacy_employee(session, i) for i in range(4)]
    legacy_employee(session, 4, active=False)
    legacy_employee(session, 5, unit_code="HCM0001", province="79")
    acc, _ = factories.citizen(app, session, phone="+84911000222")
    for i, row in enumerate(rows[:2]):
        person = session.get(InsuredPerson, row["_person_id"])
        person.cccd = row["cccd"]
        if i == 0:
            person.account_id = acc.id
    session.commit()
    return rows


def test_coverage_counts_this_units_active_employees(app, client, session, employer, other_employer):
    _arrange(app, session)
    resp = client.get(COVERAGE, headers=employer[1])
    assert resp.status_code == 200
    assert resp.get_json() == {"unit_code": "TE3964E", "active_employees": 4, "cccd_verified": 2,
                               "cccd_verified_pct": 50.0, "missing_cccd": 2, "app_linked": 1,
                               "app_linked_pct": 25.0, "missing_app": 3}
    other = client.get(COVERAGE, headers=other_employer[1]).get_json()
    assert (other["unit_code"], other["active_employees"], other["missing_cccd"]) == ("HCM0001", 1, 1)


def test_coverage_of_a_unit_without_employees(client, employer):
    body = client.get(COVERAGE, headers=employer[1]).get_json()
    assert body["active_employees"] == 0 and body["cccd_verified_pct"] is None and body["app_linked_pct"] is None


def test_employees_missing_cccd_or_app(app, client, session, employer, other_employer):
    rows = _arrange(app, session)
    no_cccd = client.get(f"{EMPLOYEES}?missing=cccd", headers=employer[1]).get_json()
    assert no_cccd["total"] == 2
    assert sorted(i["bhxh_code"] for i in no_cccd["items"]) == sorted(r["bhxh_code"] for r in rows[2:])
    assert all(i["cccd"] is None for i in no_cccd["items"])
    no_app = client.get(f"{EMPLOYEES}?missing=app&per_page=2&page=2", headers=employer[1]).get_json()
    assert (no_app["total"], no_app["page"], no_app["per_page"], len(no_app["items"])) == (3, 2, 2, 1)
    every = client.get(EMPLOYEES, headers=employer[1]).get_json()
    assert every["total"] == 4
    # The other unit sees only its own person missing a CCCD.
    theirs = client.get(f"{EMPLOYEES}?missing=cccd", headers=other_employer[1]).get_json()
    assert [i["bhxh_code"] for i in theirs["items"]] == ["0100000005"]


def test_employees_missing_bad_value(client, employer):
    body = assert_problem(client.get(f"{EMPLOYEES}?missing=phone", headers=employer[1]), 422, "validation_error")
    assert "missing" in str(body["errors"])
