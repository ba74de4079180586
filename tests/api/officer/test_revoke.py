"""POST /officer/cards/{card_number}/revoke."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, Card
from tests import factories
from tests.conftest import assert_problem


def _url(number: str) -> str:
    return f"/api/v1/officer/cards/{number}/revoke"


def test_revoke(app, client, session, frozen_clock):
    officer, headers = factories.officer(app, session)
    card = factories.card(session, factories.person(session))
    resp = client.post(_url(card.card_number), json={"reason": "Cấp trùng thẻ"}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"card_number": "DN4010123456789", "status": "revoked", "status_reason": "Cấp trùng thẻ",
                               "status_changed_at": frozen_clock().isoformat()}
    session.expire_all()
    stored = session.get(Card, card.id)
    assert stored.status == "revoked" and stored.status_changed_at == frozen_clock()
    event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.target_id) == ("card.revoked", str(officer.id), card.id)
    assert event.detail == {"card_number": "***********6789", "previous_status": "active", "reason": "Cấp trùng thẻ"}
    assert_problem(client.post(_url(card.card_number), json={"reason": "again"}, headers=headers), 409,
                   "already_revoked")


def test_revoke_reported_decreased_card(app, client, session):
    _, headers = factories.officer(app, session)
    card = factories.card(session, factories.person(session), status="reported_decreased", status_reason="stopped")
    assert client.post(_url(card.card_number), json={"reason": "x"}, headers=headers).status_code == 200


def test_unknown_card_is_404(app, client, session):
    _, headers = factories.officer(app, session)
    assert_problem(client.post(_url("DN4010000000000"), json={"reason": "x"}, headers=headers), 404, "card_not_found")


def test_reason_required(app, client, session):
    _, headers = factories.officer(app, session)
    card = factories.card(session, factories.person(session))
    assert_problem(client.post(_url(card.card_number), json={}, headers=headers), 422, "validation_error")
    assert_problem(client.post(_url(card.card_number), json={"reason": "x", "extra": 1}, headers=headers), 422,
                   "validation_error")
