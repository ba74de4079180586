"""An employee who is on the app is told when an employer enrolls them (báo tăng) and when it
reports them decreased (báo giảm): docs/notifications.md."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Notification
from tests import factories

from .helpers import enroll, register, rows, terminate


def test_enrolled_and_reported_decreased_notify_the_linked_account(app, client, session, employer):
    _, headers = employer
    body = rows(2)
    register(session, body)
    row = body[0]
    acc = factories.account(session, phone="+84912000001", full_name=row["full_name"])
    person = factories.person(session, bhxh_code="0100000001", cccd=row["cccd"], full_name=row["full_name"],
                              date_of_birth=date.fromisoformat(row["date_of_birth"]), gender=row["gender"])
    person.account_id = acc.id
    session.commit()
    answer = enroll(client, headers, body).get_json()
    assert answer["enrolled"] == 2
    notes = session.scalars(select(Notification)).all()
    assert [(n.account_id, n.kind) for n in notes] == [(acc.id, "enrolled")]  # the other one has no account
    assert notes[0].data == {"unit_code": "TE3964E", "card_number": answer["results"][0]["card_number"]}
    resp = terminate(client, headers, [{"cccd": row["cccd"], "end_month": "2026-11", "reason": "stopped"}])
    assert resp.get_json()["terminated"] == 1
    session.expire_all()
    decreased = session.scalars(select(Notification).where(Notification.kind == "reported_decreased")).one()
    assert decreased.account_id == acc.id
    assert decreased.data == {"unit_code": "TE3964E", "reason": "stopped", "end_month": "2026-11"}
