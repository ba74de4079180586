"""POST /me/link with partial birth dates: every shape, the registry match on the parts both sides
know, the registry copy kept in its precision, and an officer's approval that never loses a part."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import InsuredPerson, LinkRequest
from services.birth_dates import BirthDate, of_record
from tests import factories
from tests.conftest import assert_problem

from .helpers import URL, body

REVIEWS = "/api/v1/officer/link-reviews"


@pytest.fixture
def citizen(app, session):
    return factories.citizen(app, session)


def _arrange(session, registry: BirthDate, record: BirthDate, record_name: str = "Nguyễn Văn An"):
    factories.registry_record(session, date_of_birth=registry)
    return factories.person(session, full_name=record_name, date_of_birth=record)


@pytest.mark.parametrize(("registry", "given"), [
    (BirthDate(1995, 3, 5), "1995-03-05"),
    (BirthDate(1995, 3, 5), "1995-03"),      # the request gives less: compared on what it gives
    (BirthDate(1995, 3, 5), "1995"),
    (BirthDate(1995), "1995-03-05"),         # the registry knows only the year
    (BirthDate(1995, 3), "1995-03-31"),
    (BirthDate(1995), "1995"),
])
def test_links_when_the_parts_both_know_agree(client, session, citizen, registry, given):
    _arrange(session, registry, registry)
    resp = client.post(URL, json=body(date_of_birth=given), headers=citizen[1])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "linked"
    req = session.scalars(select(LinkRequest)).one()
    assert of_record(req, "registry_") == registry  # the registry's copy, in its own precision


@pytest.mark.parametrize(("registry", "given"), [
    (BirthDate(1995, 3, 5), "1995-04"), (BirthDate(1995, 3, 5), "1995-03-06"), (BirthDate(1995, 3), "1995-04-01"),
])
def test_a_known_part_that_differs_is_a_registry_mismatch(client, session, citizen, registry, given):
    _arrange(session, registry, registry)
    assert_problem(client.post(URL, json=body(date_of_birth=given), headers=citizen[1]), 422, "registry_mismatch")


def test_the_cccd_check_uses_only_the_year(client, session, citizen):
    _arrange(session, BirthDate(1995), BirthDate(1995))
    problem = assert_problem(client.post(URL, json=body(date_of_birth="1996"), headers=citizen[1]),
                             422, "validation_error")
    assert "cccd" in problem["errors"] and "date_of_birth" not in problem["errors"]


@pytest.mark.parametrize("given", ["1958-02-30", "58", "1958-4", "1995-3-5", "\u0661\u0669\u0669\u0665", "1995-00",
                                   "05/03/1995", "03/1995", "1899", "2999", 1995, "", None])
def test_bad_shapes_are_422_on_the_field(client, session, citizen, given):
    problem = assert_problem(client.post(URL, json=body(date_of_birth=given), headers=citizen[1]),
                             422, "validation_error")
    assert "date_of_birth" in problem["errors"], problem
    assert session.scalars(select(LinkRequest)).first() is None


def test_a_year_only_record_links_at_once_and_keeps_its_precision(client, session, citizen):
    person = _arrange(session, BirthDate(1995, 3, 5), BirthDate(1995))
    assert client.post(URL, json=body(), headers=citizen[1]).get_json()["status"] == "linked"
    session.expire_all()
    assert of_record(session.get(InsuredPerson, person.id)) == BirthDate(1995)
    card = factories.card(session, session.get(InsuredPerson, person.id))
    assert card is not None
    view = client.get("/api/v1/me/card", headers=citizen[1]).get_json()
    assert view["date_of_birth"] == "1995"


def _review(app, client, session, citizen, registry: BirthDate, record: BirthDate, given: str) -> tuple[int, dict]:
    person = _arrange(session, registry, record, record_name="Nguyen Van An")  # the record differs: review
    resp = client.post(URL, json=body(date_of_birth=given), headers=citizen[1])
    assert resp.status_code == 202, resp.get_json()
    _, officer = factories.officer(app, session)
    return person.id, officer


def test_review_shows_both_dates_in_their_precision(app, client, session, citizen):
    _, officer = _review(app, client, session, citizen, BirthDate(1995, 3), BirthDate(1995, 3, 5), "1995-03")
    item = client.get(REVIEWS, headers=officer).get_json()["items"][0]
    assert (item["record"]["date_of_birth"], item["registry"]["date_of_birth"]) == ("1995-03-05", "1995-03")


@pytest.mark.parametrize(("registry", "record", "after"), [
    (BirthDate(1995, 3, 5), BirthDate(1995), BirthDate(1995, 3, 5)),      # the registry knows more: taken
    (BirthDate(1995), BirthDate(1995, 3, 5), BirthDate(1995, 3, 5)),      # it knows less of the same: kept
    (BirthDate(1995, 4), BirthDate(1995, 3, 5), BirthDate(1995, 4)),      # they disagree: the registry wins
])
def test_approval_never_loses_a_known_part(app, client, session, citizen, registry, record, after):
    person_id, officer = _review(app, client, session, citizen, registry, record, registry.iso())
    review_id = session.scalars(select(LinkRequest.id)).one()
    resp = client.post(f"{REVIEWS}/{review_id}/approve", json={}, headers=officer)
    assert resp.status_code == 200, resp.get_json()
    session.expire_all()
    assert of_record(session.get(InsuredPerson, person_id)) == after


def test_openapi_names_the_shapes(client):
    spec = client.get("/openapi.json").get_json()
    dob = spec["components"]["schemas"]["LinkRequest"]["properties"]["date_of_birth"]
    assert dob["type"] == "string" and "YYYY-MM" in dob["description"] and dob["pattern"]
