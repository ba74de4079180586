"""GET /me/household/contribution-quote: the registry household, who pays, tiers, months, base salary."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, InsuredPerson
from tests import factories as f
from tests.api.family import helpers as h
from tests.api.family.helpers import API
from tests.conftest import assert_problem

URL = f"{API}/me/household/contribution-quote"
GRANDMA = {"cccd": "001155000111", "full_name": "Phạm Thị Lụa", "date_of_birth": date(1955, 6, 6), "gender": "female"}
UNCLE = {"cccd": "001092000222", "full_name": "Trần Văn Tâm", "date_of_birth": date(1992, 2, 2), "gender": "male"}
COUSIN = {"cccd": "001212000333", "full_name": "Trần Văn Phúc", "date_of_birth": date(2012, 8, 8), "gender": "male"}
AUNT = {"cccd": "001394000444", "full_name": "Trần Thị Hà", "date_of_birth": date(1994, 3, 3), "gender": "female"}


@pytest.fixture
def fam(app, session, frozen_clock):
    frozen_clock.set(h.NOW)
    family = h.build(app, session)
    for who in (GRANDMA, UNCLE, COUSIN, AUNT):
        h.registry(session, who, household_code="HN-0001")
    return family


def test_quote_for_a_household_of_eight(client, session, fam):
    # Hùng is employed elsewhere (DN card in force); Khôi and Lan are under 6: neither pays.
    hung = session.scalars(select(InsuredPerson).where(InsuredPerson.cccd == h.HUNG["cccd"])).one()
    f.card(session, hung, object_code="DN", valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31))
    resp = client.get(URL, query_string={"months": 12, "start_month": "2027-01"}, headers=fam.mai)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["household_code"], body["start_month"], body["months"], body["base_salary"]) == (
        "HN-0001", "2027-01", 12, 2_340_000)
    payers = [(m["full_name"], m["position"], m["monthly"]) for m in body["members"] if m["pays"]]
    # Mai first (the caller), then the others oldest first.
    assert payers == [("Nguyễn Thị Mai", 1, 105_300), ("Phạm Thị Lụa", 2, 73_710), ("Trần Văn Tâm", 3, 63_180),
                      ("Trần Thị Hà", 4, 52_650), ("Trần Văn Phúc", 5, 42_120)]
    reasons = {m["full_name"]: m["reason"] for m in body["members"] if not m["pays"]}
    assert reasons == {"Trần Văn Hùng": "covered", "Trần Minh Khôi": "child_under_6", "Trần Thị Lan": "child_under_6"}
    assert body["monthly_total"] == 105_300 + 73_710 + 63_180 + 52_650 + 42_120 == 336_960
    assert body["total"] == 336_960 * 12 == sum(m["amount"] or 0 for m in body["members"])
    assert [m["is_me"] for m in body["members"]].count(True) == 1
    assert "cccd" not in str(body)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "household.quoted")) == 1


@pytest.mark.parametrize("months", [1, 3, 6, 12])
def test_months(client, fam, months):
    body = client.get(URL, query_string={"months": months}, headers=fam.mai).get_json()
    assert body["months"] == months and body["start_month"] == "2026-12"
    assert body["total"] == body["monthly_total"] * months


def test_a_person_without_a_household_is_a_household_of_one(client, fam):
    body = client.get(URL, headers=fam.binh).get_json()
    assert body["household_code"] is None and len(body["members"]) == 1
    assert body["members"][0]["monthly"] == 105_300 and body["total"] == 105_300 * 12


@pytest.mark.parametrize("query,field", [
    ({"months": 0}, "months"), ({"months": 13}, "months"), ({"months": "x"}, "months"),
    ({"start_month": "2027-13"}, "start_month"), ({"start_month": "soon"}, "start_month"),
    ({"start_month": "2026-10"}, "start_month"), ({"start_month": "2028-01"}, "start_month"),
])
def test_bad_query_is_422(client, fam, query, field):
    body = assert_problem(client.get(URL, query_string=query, headers=fam.mai), 422, "validation_error")
    assert field in body["errors"]


def test_not_linked_and_other_roles(app, client, session, fam):
    _, stranger = f.citizen(app, session, phone="+84911000009")
    assert_problem(client.get(URL, headers=stranger), 404, "not_linked")
    _, off = f.officer(app, session)
    assert_problem(client.get(URL, headers=off), 403, "forbidden")
    assert_problem(client.get(URL), 401, "unauthorized")
