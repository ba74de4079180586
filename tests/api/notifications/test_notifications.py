"""GET /me/notifications, POST /me/notifications/{id}/read, POST /me/devices, and the events that
notify: card checks (periodic job), link decisions, card expiry (daily job), with push delivery."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import clock
from models import Device, Notification, OutboxMessage
from services import notifications
from tests import factories as f
from tests.conftest import assert_problem

API = "/api/v1"
STAFF = ("001080001234", "Lê Văn Cường")
TOKEN = "fcm-registration-token-" + "a" * 40


@pytest.fixture
def holder(app, session):
    """A linked citizen with a card."""
    acc, headers = f.citizen(app, session)
    p = f.person(session)
    p.account_id = acc.id
    session.commit()
    card = f.card(session, p)
    return acc, headers, p, card


def _check(app, session, client, card, person):
    _cl, clinic_headers = f.clinic(app, session, staff=STAFF)
    resp = client.post(f"{API}/clinic/card-checks", headers=clinic_headers, json={
        "identifier": card.card_number, "full_name": person.full_name, "date_of_birth": "1995-03-05",
        "staff_cccd": STAFF[0], "staff_name": STAFF[1]})
    assert resp.status_code == 200
    return resp.get_json()["check_id"]


def test_a_card_check_becomes_a_notification_from_the_periodic_job(app, session, client, holder, frozen_clock):
    _acc, headers, p, card = holder
    check_id = _check(app, session, client, card, p)
    assert client.get(f"{API}/me/notifications", headers=headers).get_json()["total"] == 0  # not in the check
    frozen_clock.advance(seconds=2)
    runner = app.test_cli_runner()
    assert "1 notification(s)" in runner.invoke(args=["notifications", "card-checks"]).output
    assert "0 notification(s)" in runner.invoke(args=["notifications", "card-checks"]).output  # once
    body = client.get(f"{API}/me/notifications", headers=headers).get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    item = body["items"][0]
    assert item["kind"] == "card_checked" and item["read"] is False and item["read_at"] is None
    assert item["data"]["check_id"] == check_id and item["data"]["result_code"] == "000"
    assert item["data"]["facility_code"] == "01001" and "Bạch Mai" in item["body"]


def test_unread_first_then_newest_and_mark_read(app, session, client, holder, frozen_clock):
    acc, headers, _p, _card = holder
    ids = []
    for i in range(3):
        ids.append(notifications.notify(session, acc, "enrolled", {"unit_code": f"UNIT00{i}"}))
        session.commit()
        frozen_clock.advance(minutes=1)
    assert client.post(f"{API}/me/notifications/{ids[2]}/read", headers=headers).status_code == 204
    assert client.post(f"{API}/me/notifications/{ids[2]}/read", headers=headers).status_code == 204  # again: fine
    order = [n["id"] for n in client.get(f"{API}/me/notifications", headers=headers).get_json()["items"]]
    assert order == [ids[1], ids[0], ids[2]]
    page = client.get(f"{API}/me/notifications?page=2&per_page=2", headers=headers).get_json()
    assert [n["id"] for n in page["items"]] == [ids[2]] and page["total"] == 3
    assert_problem(client.get(f"{API}/me/notifications?per_page=101", headers=headers), 422, "validation_error")


def test_someone_elses_notification_is_not_found(app, session, client, holder):
    acc, _headers, _p, _card = holder
    nid = notifications.notify(session, acc, "enrolled", {"unit_code": "UNIT001"})
    session.commit()
    _other, other_headers = f.citizen(app, session, phone="+84912345679")
    assert_problem(client.post(f"{API}/me/notifications/{nid}/read", headers=other_headers), 404,
                   "notification_not_found")
    assert client.get(f"{API}/me/notifications", headers=other_headers).get_json()["total"] == 0
    assert session.get(Notification, nid).read_at is None
    assert_problem(client.post(f"{API}/me/notifications/{'x' * 200}/read", headers=other_headers), 404,
                   "notification_not_found")


def test_anonymous_and_officers_are_refused(app, session, client):
    assert client.get(f"{API}/me/notifications").status_code == 401
    assert client.post(f"{API}/me/devices", json={"platform": "android", "token": TOKEN}).status_code == 401
    _acc, officer_headers = f.officer(app, session)
    assert_problem(client.get(f"{API}/me/notifications", headers=officer_headers), 403, "forbidden")


def test_device_registration_and_push_of_a_notification(app, session, client, holder, app_config):
    acc, headers, _p, _card = holder
    resp = client.post(f"{API}/me/devices", headers=headers, json={"platform": "android", "token": TOKEN})
    assert resp.status_code == 201 and set(resp.get_json()) == {"id", "platform", "created_at", "last_seen_at"}
    again = client.post(f"{API}/me/devices", headers=headers, json={"platform": "android", "token": TOKEN})
    assert again.get_json()["id"] == resp.get_json()["id"]
    assert session.scalar(select(func.count()).select_from(Device)) == 1
    notifications.notify(session, acc, "link_decided", {"status": "linked", "review_id": 1})
    session.commit()  # the push goes through the outbox after the commit (here: the memory queue, at once)
    with open(app_config["PUSH_OUTBOX_FILE"], encoding="utf-8") as fh:
        lines = [json.loads(x) for x in fh]
    assert len(lines) == 1 and lines[0]["title"] == "Liên kết CCCD đã được duyệt"
    assert lines[0]["device"] == TOKEN[-8:] and lines[0]["data"]["kind"] == "link_decided"
    assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.channel == "push")) == "sent"


@pytest.mark.parametrize("body", [{}, {"platform": "android"}, {"platform": "symbian", "token": TOKEN},
                                  {"platform": "ios", "token": "short"}, {"platform": "ios", "token": TOKEN, "x": 1}])
def test_device_validation(client, app, session, holder, body):
    _acc, headers, _p, _card = holder
    assert_problem(client.post(f"{API}/me/devices", headers=headers, json=body), 422, "validation_error")


def test_a_decided_link_review_notifies_the_citizen(app, session, holder):
    from models import LinkRequest
    from services import reviews

    acc, _h, p, _card = holder
    from models import Consent

    consent = Consent(account_id=acc.id, purpose="cccd_link", text_version="v1", given_at=clock.now())
    session.add(consent)
    session.flush()
    req = LinkRequest(account_id=acc.id, person_id=p.id, consent_id=consent.id, cccd="001095012345",
                      registry_full_name=p.full_name, registry_date_of_birth=p.date_of_birth,
                      registry_gender=p.gender, status="pending_review", created_at=clock.now())
    session.add(req)
    session.commit()
    officer, _ = f.officer(app, session)
    reviews.reject(session, ("account", str(officer.id)), officer.id, req.id, "Ảnh không rõ")
    n = session.scalars(select(Notification).where(Notification.account_id == acc.id)).one()
    assert n.kind == "link_decided" and n.data == {"status": "rejected", "review_id": req.id, "reason": "Ảnh không rõ"}


def test_expiry_notices_once_per_card_and_only_for_the_current_card(app, session, holder, frozen_clock):
    _acc, _h, _p, card = holder
    today = clock.today()
    card.valid_to = today + timedelta(days=30)
    session.commit()
    runner = app.test_cli_runner()
    assert "1 notification(s)" in runner.invoke(args=["notifications", "expiry"]).output
    assert "0 notification(s)" in runner.invoke(args=["notifications", "expiry"]).output
    n = session.scalars(select(Notification).where(Notification.kind == "card_expiring")).one()
    assert n.data == {"card_number": card.card_number, "valid_to": card.valid_to.isoformat()}
    later = (today + timedelta(days=200)).isoformat()
    assert "0 notification(s)" in runner.invoke(args=["notifications", "expiry", "--today", later]).output
    assert notifications.expiry_notices(session, today - timedelta(days=1)) == 0  # 31 days ahead: not yet


def test_notify_a_person_without_an_account_is_nothing(session):
    p = f.person(session, bhxh_code="0123456780")
    assert notifications.notify(session, p, "visit_recorded", {"facility_code": "01001"}) is None
    with pytest.raises(ValueError):
        notifications.notify(session, 1, "no_such_kind", {})
