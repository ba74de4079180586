"""Officer link reviews: list, approve (links and corrects the record), reject (citizen sees why)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, InsuredPerson, LinkRequest
from tests import factories
from tests.api.links.helpers import URL as LINK_URL
from tests.api.links.helpers import an_in_registry_and_insured, body
from tests.conftest import assert_problem

BASE = "/api/v1/officer/link-reviews"


@pytest.fixture
def officer(app, session):
    return factories.officer(app, session)


@pytest.fixture
def pending(app, client, session):
    """Citizen An asks to link; his record spells the name without diacritics and a wrong birthday."""
    an_in_registry_and_insured(session, full_name="Nguyen Van An", date_of_birth=date(1995, 5, 3))
    acc, headers = factories.citizen(app, session)
    resp = client.post(LINK_URL, json=body(), headers=headers)
    assert resp.status_code == 202
    return acc, headers, resp.get_json()["review_id"]


def test_list_pending(client, officer, pending):
    resp = client.get(BASE + "?status=pending", headers=officer[1])
    assert resp.status_code == 200
    page = resp.get_json()
    assert page["total"] == 1 and page["page"] == 1 and page["per_page"] == 20
    item = page["items"][0]
    assert item["id"] == pending[2] and item["status"] == "pending"
    assert item["bhxh_code"] == "0123456789" and item["cccd"] == "001095012345"
    assert item["record"] == {"full_name": "Nguyen Van An", "date_of_birth": "1995-05-03", "gender": "male",
                              "cccd": None}
    assert item["registry"] == {"full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05", "gender": "male"}
    assert item["created_at"] and item["account_id"] == pending[0].id
    assert client.get(BASE, headers=officer[1]).get_json()["total"] == 1  # pending is the default
    assert client.get(BASE + "?status=rejected", headers=officer[1]).get_json()["total"] == 0


@pytest.mark.parametrize("query", ["?status=all", "?per_page=101", "?page=0", "?status="])
def test_list_bad_query_is_422(client, officer, query):
    assert_problem(client.get(BASE + query, headers=officer[1]), 422, "validation_error")


def test_approve_links_and_corrects(client, session, officer, pending, frozen_clock):
    resp = client.post(f"{BASE}/{pending[2]}/approve", json={"note": "Giấy khai sinh khớp CSDL dân cư"},
                       headers=officer[1])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "approved"
    session.expire_all()
    person = session.scalar(select(InsuredPerson))
    assert (person.full_name, person.date_of_birth, person.cccd, person.account_id) == (
        "Nguyễn Văn An", date(1995, 3, 5), "001095012345", pending[0].id)
    assert person.linked_at is not None
    req = session.get(LinkRequest, pending[2])
    assert req.status == "linked" and req.reviewer_id == officer[0].id and req.note.startswith("Giấy")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "link_review.approved")).one()
    assert event.actor_id == str(officer[0].id) and event.target_id == str(pending[2]) and event.detail["corrected"]
    status = client.get(LINK_URL, headers=pending[1]).get_json()
    assert status == {"status": "linked", "bhxh_code": "0123456789", "cccd": "001095012345",
                      "review_id": pending[2], "reason": None}
    assert client.get(BASE + "?status=approved", headers=officer[1]).get_json()["total"] == 1
    assert_problem(client.post(f"{BASE}/{pending[2]}/approve", json={}, headers=officer[1]), 409,
                   "review_not_pending")


def test_approve_without_body(client, officer, pending):
    resp = client.post(f"{BASE}/{pending[2]}/approve", headers=officer[1])
    assert resp.status_code == 200, resp.get_json()


def test_reject_citizen_sees_reason(client, session, officer, pending):
    resp = client.post(f"{BASE}/{pending[2]}/reject", json={"reason": "Ngày sinh trên hồ sơ cần giấy tờ gốc"},
                       headers=officer[1])
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    status = client.get(LINK_URL, headers=pending[1]).get_json()
    assert status == {"status": "rejected", "bhxh_code": "0123456789", "cccd": "001095012345",
                      "review_id": pending[2], "reason": "Ngày sinh trên hồ sơ cần giấy tờ gốc"}
    session.expire_all()
    assert session.scalar(select(InsuredPerson)).cccd is None
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "link_review.rejected")).one()
    assert_problem(client.post(f"{BASE}/{pending[2]}/reject", json={"reason": "x"}, headers=officer[1]), 409,
                   "review_not_pending")
    assert_problem(client.post(f"{BASE}/{pending[2]}/approve", json={}, headers=officer[1]), 409,
                   "review_not_pending")


def test_reject_needs_reason(client, officer, pending):
    assert_problem(client.post(f"{BASE}/{pending[2]}/reject", json={}, headers=officer[1]), 422, "validation_error")
    assert_problem(client.post(f"{BASE}/{pending[2]}/reject", json={"reason": ""}, headers=officer[1]), 422,
                   "validation_error")


def test_unknown_review_is_404(client, officer):
    assert_problem(client.post(f"{BASE}/999/approve", json={}, headers=officer[1]), 404, "review_not_found")
    assert_problem(client.post(f"{BASE}/999/reject", json={"reason": "x"}, headers=officer[1]), 404,
                   "review_not_found")


def test_approve_after_record_linked_meanwhile_is_409(app, client, session, officer, pending):
    """Another account linked the record (with this CCCD) while the review waited."""
    other = factories.account(session, phone="+84944444444")
    person = session.scalar(select(InsuredPerson))
    person.account_id, person.cccd = other.id, "001095012345"
    session.commit()
    assert_problem(client.post(f"{BASE}/{pending[2]}/approve", json={}, headers=officer[1]), 409, "already_linked")
    session.expire_all()
    assert session.get(LinkRequest, pending[2]).status == "pending_review"


def test_two_pending_reviews_second_approval_409(app, client, session, officer, pending):
    _, b = factories.citizen(app, session, phone="+84955555555")
    second = client.post(LINK_URL, json=body(), headers=b).get_json()["review_id"]
    assert client.post(f"{BASE}/{pending[2]}/approve", json={}, headers=officer[1]).status_code == 200
    assert_problem(client.post(f"{BASE}/{second}/approve", json={}, headers=officer[1]), 409, "already_linked")


@pytest.mark.parametrize("method, path, data", [
    ("get", BASE, None),
    ("post", BASE + "/1/approve", {}),
    ("post", BASE + "/1/reject", {"reason": "x"}),
    ("post", "/api/v1/officer/cards/DN4010123456789/revoke", {"reason": "x"}),
])
def test_citizen_is_403_anonymous_401(app, client, session, method, path, data):
    _, citizen = factories.citizen(app, session)
    call = getattr(client, method)
    kwargs = {"json": data} if data is not None else {}
    assert_problem(call(path, headers=citizen, **kwargs), 403, "forbidden")
    assert_problem(call(path, **kwargs), 401, "unauthorized")
    _, clinic = factories.clinic(app, session)
    assert_problem(call(path, headers=clinic, **kwargs), 403, "forbidden")
