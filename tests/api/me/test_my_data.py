"""GET /me/data: a citizen sees everything held about them, and nothing of anyone else."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEvent, CardCheck
from tests import factories as f
from tests.conftest import assert_problem

URL = "/api/v1/me/data"


def test_citizen_gets_record_cards_checks_and_no_secrets(app, client, session, frozen_clock):
    acc, headers = f.citizen(app, session)
    p = f.person(session, cccd="001095012345")
    p.account_id = acc.id
    session.commit()
    c = f.card(session, p)
    clinic, _ = f.clinic(app, session)
    session.add(CardCheck(client_id=clinic.client_id, facility_code="01001", identifier_type="card_number",
                          person_id=p.id, card_id=c.id, result_code="000", checked_at=frozen_clock()))
    other = f.person(session, bhxh_code="0999999999", full_name="Người Khác")
    f.card(session, other)
    session.commit()

    resp = client.get(URL, headers=headers)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    doc = resp.get_json()
    assert doc["account"]["phone"] == acc.phone
    assert doc["insurance_record"]["cccd"] == "001095012345"
    assert [card["card_number"] for card in doc["cards"]] == [c.card_number]
    assert doc["card_checks"][0]["facility_code"] == "01001"
    text = resp.get_data(as_text=True)
    assert "argon2" not in text and "0999999999" not in text and "password" not in text
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "subject_access.export"))


def test_unlinked_citizen_gets_account_only(app, client, session):
    _acc, headers = f.citizen(app, session)
    doc = client.get(URL, headers=headers).get_json()
    assert doc["insurance_record"] is None and doc["cards"] == [] and doc["logins"]


def test_anonymous_and_other_roles(app, client, session):
    assert_problem(client.get(URL), 401, "unauthorized")
    _o, officer_headers = f.officer(app, session)
    assert_problem(client.get(URL, headers=officer_headers), 403, "forbidden")
    _c, clinic_headers = f.clinic(app, session)
    assert_problem(client.get(URL, headers=clinic_headers), 403, "forbidden")
