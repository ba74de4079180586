"""POST /employer/terminations (báo giảm), CONTRACT §6."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Card, Employment
from tests import factories
from tests.conftest import assert_problem

from .helpers import TERMINATE, enroll, msgs, post, register, rows, terminate


def _enrolled(client, session, headers, n=3):
    body = rows(n)
    register(session, body)
    answer = enroll(client, headers, body).get_json()
    assert answer["enrolled"] == n
    return body, answer["results"]


def test_each_reason_decreases_the_card(client, session, employer, now):
    _, headers = employer
    body, enrolled = _enrolled(client, session, headers)
    reasons = ["stopped", "transfer_out_of_province", "transfer_in_province"]
    req = [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": reasons[0]},
           {"bhxh_code": enrolled[1]["bhxh_code"], "end_month": "2026-12", "reason": reasons[1]},
           {"cccd": body[2]["cccd"], "bhxh_code": enrolled[2]["bhxh_code"], "end_month": "2027-02", "reason": reasons[2]}]
    resp = terminate(client, headers, req)
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert (answer["received"], answer["terminated"], answer["rejected"]) == (3, 3, 0)
    assert [r["status"] for r in answer["results"]] == ["terminated"] * 3
    assert [r["card_number"] for r in answer["results"]] == [r["card_number"] for r in enrolled]
    session.expire_all()
    for res, reason, last in zip(enrolled, reasons, [date(2026, 11, 30), date(2026, 12, 31), date(2027, 2, 28)]):
        card = session.scalars(select(Card).where(Card.card_number == res["card_number"])).one()
        assert (card.status, card.status_reason, card.valid_to) == ("reported_decreased", reason, last)
        assert card.status_changed_at == now()
        emp = session.scalars(select(Employment).where(Employment.card_id == card.id)).one()
        assert (emp.active, emp.end_reason, emp.to_month.replace(day=1)) == (False, reason, last.replace(day=1))
        assert emp.end_batch_id == answer["batch_id"]


def test_not_employed_and_field_errors(client, session, employer, other_employer):
    _, headers = employer
    body, enrolled = _enrolled(client, session, headers, 2)
    _, other_headers = other_employer
    stranger = rows(4)[3]
    register(session, [stranger])
    enroll(client, other_headers, [stranger])
    req = [
        {"cccd": stranger["cccd"], "end_month": "2026-11", "reason": "stopped"},  # another unit's employee
        {"cccd": "001080123456", "end_month": "2026-11", "reason": "stopped"},  # nobody
        {"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"},
        {"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"},  # twice: already ended
        {"cccd": body[1]["cccd"], "bhxh_code": enrolled[0]["bhxh_code"], "end_month": "2026-11", "reason": "stopped"},
        {"end_month": "2030-01", "reason": "fired", "extra": 1},
        {"cccd": body[1]["cccd"], "end_month": "2026-10", "reason": "stopped"},  # before the start month
        "nope",
    ]
    res = terminate(client, headers, req).get_json()["results"]
    assert [r["code"] for r in res] == ["not_employed", "not_employed", None, "not_employed", "not_employed",
                                        "validation_error", "validation_error", "validation_error"]
    assert set(res[5]["errors"]) == {"cccd", "end_month", "reason", "extra"}
    assert msgs(res[6]["errors"]["end_month"]) == ["Before the start month 2026-11 of this employment."]
    session.expire_all()
    other_card = session.scalars(select(Card).where(Card.province_code == "79")).one()
    assert other_card.status == "active"


def test_card_shared_with_another_active_employment_stays_active(client, session, employer, app):
    _, headers = employer
    _, headers2 = factories.employer(app, session, unit_code="HN00002", province_code="01", name="Công ty B")
    body = rows(1)
    register(session, body)
    first = enroll(client, headers, body).get_json()["results"][0]
    second = enroll(client, headers2, body).get_json()["results"][0]
    assert first["card_number"] == second["card_number"]
    assert terminate(client, headers, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}]
                     ).get_json()["terminated"] == 1
    session.expire_all()
    assert session.scalars(select(Card)).one().status == "active"
    terminate(client, headers2, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}])
    session.expire_all()
    assert session.scalars(select(Card)).one().status == "reported_decreased"


def test_revoked_card_stays_revoked(client, session, employer):
    _, headers = employer
    body, enrolled = _enrolled(client, session, headers, 1)
    card = session.scalars(select(Card)).one()
    card.status, card.status_reason = "revoked", "fraud"
    session.commit()
    assert terminate(client, headers, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}]
                     ).get_json()["terminated"] == 1
    session.expire_all()
    assert session.scalars(select(Card)).one().status == "revoked"


def test_idempotency_and_access(client, app, session, employer):
    _, headers = employer
    body, _ = _enrolled(client, session, headers, 1)
    req = [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}]
    assert_problem(post(client, TERMINATE, headers, req), 400, "idempotency_key_required")
    first = terminate(client, headers, req, idem="t-1")
    again = terminate(client, headers, req, idem="t-1")
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert_problem(terminate(client, headers, [{**req[0], "reason": "transfer_in_province"}], idem="t-1"),
                   422, "idempotency_key_reused")
    batch_id = first.get_json()["batch_id"]
    assert client.get(f"{TERMINATE}/{batch_id}", headers=headers).get_json() == first.get_json()
    assert_problem(terminate(client, {}, req), 401, "unauthorized")
    _, citizen_headers = factories.citizen(app, session)
    assert_problem(terminate(client, citizen_headers, req), 403, "forbidden")
    _, other = factories.employer(app, session, unit_code="ZZZ0001")
    assert_problem(client.get(f"{TERMINATE}/{batch_id}", headers=other), 404, "not_found")
    assert_problem(post(client, TERMINATE, headers, [{}] * 10_001, "big"), 413, "payload_too_large")


def test_csv_terminations(client, session, employer):
    _, headers = employer
    body, _ = _enrolled(client, session, headers, 2)
    data = ("\ufeffcccd;end_month;reason\r\n" + "".join(f"{r['cccd']};2026-11;stopped\r\n" for r in body)).encode()
    resp = client.post(TERMINATE, data=data, headers={**headers, "Idempotency-Key": "csv-t",
                                                     "Content-Type": "text/csv"})
    assert resp.status_code == 200 and resp.get_json()["terminated"] == 2, resp.get_json()
