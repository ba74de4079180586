"""POST /employer/identity-updates: CCCD updates for the unit's own employees (CONTRACT §12)."""
from __future__ import annotations

from sqlalchemy import func, select

from integrations.registry import RegistryUnavailable
from models import AuditEvent, Batch, InsuredPerson
from services import identity_updates
from tests import factories
from tests.conftest import assert_problem

from . import helpers as h
from .identity_helpers import URL, assert_exact, clean, legacy_employee, settle


def post(client, headers, rows, idem=None, **kw):
    return h.post(client, URL, headers, [clean(r) if isinstance(r, dict) else r for r in rows],
                  h.key() if idem is None else idem, **kw)


def record(session, bhxh_code: str) -> InsuredPerson:
    session.expire_all()
    return session.scalars(select(InsuredPerson).where(InsuredPerson.bhxh_code == bhxh_code)).one()


def test_updates_the_records_of_the_units_employees(client, session, employer):
    rows = [legacy_employee(session, i) for i in range(3)]
    settle(session)
    resp = post(client, employer[1], rows)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["received"], body["updated"], body["rejected"]) == (3, 3, 0)
    assert [r["status"] for r in body["results"]] == ["updated"] * 3
    assert [r["row"] for r in body["results"]] == [1, 2, 3]
    for row, res in zip(rows, body["results"]):
        assert (res["bhxh_code"], res["cccd"], res["code"], res["errors"]) == (row["bhxh_code"], row["cccd"], None, {})
        assert record(session, row["bhxh_code"]).cccd == row["cccd"]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == identity_updates.ACTION)).all()
    assert sorted(int(e.target_id) for e in events) == sorted(r["_person_id"] for r in rows)
    assert all(e.actor_id == employer[0].client_id and e.detail["batch_id"] == body["batch_id"] for e in events)
    assert all(rows[0]["cccd"] not in str(e.detail) for e in events)  # masked in the log
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "employer.identity_updates")) == 1
    assert_exact(session)
    stored = client.get(f"{URL}/{body['batch_id']}", headers=employer[1])
    assert stored.status_code == 200 and stored.get_json() == body


def test_csv_body_with_bom_and_semicolons(client, session, employer):
    rows = [legacy_employee(session, i) for i in range(2)]
    fields = identity_updates.FIELDS
    text = "\ufeff" + ";".join(fields) + "\r\n" + "".join(
        ";".join(r[f] for f in fields) + "\r\n" for r in rows) + "\r\n"
    resp = h.post(client, URL, employer[1], text.encode("utf-8"), h.key(), csv_body=True)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["updated"] == 2
    assert record(session, rows[1]["bhxh_code"]).cccd == rows[1]["cccd"]
    header_wrong = h.post(client, URL, employer[1], b"bhxh_code,cccd,salary\r\n1,2,3\r\n", h.key(), csv_body=True)
    body = assert_problem(header_wrong, 422, "validation_error")
    assert set(body["errors"]) >= {"salary", "full_name", "date_of_birth", "gender"}


def test_the_same_cccd_again_is_updated_and_writes_nothing(client, session, employer):
    row = legacy_employee(session, 0)
    assert post(client, employer[1], [row]).get_json()["updated"] == 1
    again = post(client, employer[1], [row]).get_json()
    assert (again["updated"], again["results"][0]["status"]) == (1, "updated")
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == identity_updates.ACTION)) == 1


def _codes(body) -> dict[int, tuple[str, str | None, set]]:
    return {r["row"]: (r["status"], r["code"], set(r["errors"])) for r in body["results"]}


def test_bad_rows_are_rejected_with_their_codes_and_the_rest_updated(client, session, employer, other_employer):
    good = legacy_employee(session, 0)
    mismatch = legacy_employee(session, 1, full_name="Tên Khác Hẳn")  # the registry spells another name
    not_in_registry = legacy_employee(session, 2, registry=False)
    elsewhere = legacy_employee(session, 3, unit_code="HCM0001", province="79")  # employed by the other unit
    left = legacy_employee(session, 4, active=False)  # no longer employed here
    carries_other = legacy_employee(session, 5, record_cccd=h.make_cccd(h.date(1990, 1, 1), "male", 999_001))
    holder = legacy_employee(session, 6)
    taken = {**clean(holder), "bhxh_code": legacy_employee(session, 7)["bhxh_code"]}  # two rows, one CCCD
    on_other_record = legacy_employee(session, 8)
    factories.person(session, bhxh_code="0999999998", cccd=on_other_record["cccd"], full_name="Ai Đó")
    record_differs = legacy_employee(session, 9)
    session.execute(InsuredPerson.__table__.update().where(InsuredPerson.bhxh_code == record_differs["bhxh_code"])
                    .values(full_name="Nguyễn Văn Khác"))
    session.commit()
    future_born = legacy_employee(session, 10)
    settle(session)
    rows = [good, mismatch, not_in_registry, elsewhere, left, carries_other, holder, taken, on_other_record,
            record_differs,
            {**clean(good), "bhxh_code": "0188888888"},  # row 11: no such record (same cccd as row 1: dup)
            {"bhxh_code": "12", "cccd": "123", "full_name": "An 2", "date_of_birth": "1990-02-30",
             "gender": "x", "salary": 1},
            {**clean(future_born), "date_of_birth": "2999-01-01"},
            {**clean(good), "cccd": h.make_cccd(h.date(1975, 1, 1), "female", 777_777)}]  # bhxh twice
    body = post(client, employer[1], rows).get_json()
    got = _codes(body)
    assert got[1] == ("updated", None, set())
    assert got[2] == ("rejected", "registry_mismatch", {"_row"})
    assert got[3] == ("rejected", "registry_mismatch", {"_row"})
    assert got[4] == ("rejected", "not_employed", {"bhxh_code"})
    assert got[5] == ("rejected", "not_employed", {"bhxh_code"})
    assert got[6] == ("rejected", "cccd_on_another_record", {"cccd"})
    assert got[7] == ("updated", None, set())
    assert got[8] == ("rejected", "cccd_on_another_record", {"cccd"})
    assert got[9] == ("rejected", "cccd_on_another_record", {"cccd"})
    assert got[10] == ("rejected", "registry_mismatch", {"_row"})
    assert got[11] == ("rejected", "cccd_on_another_record", {"cccd"})
    assert got[12] == ("rejected", "validation_error",
                       {"bhxh_code", "cccd", "full_name", "date_of_birth", "gender", "salary"})
    assert got[13] == ("rejected", "validation_error", {"date_of_birth"})
    assert got[14] == ("rejected", "validation_error", {"bhxh_code"})
    assert (body["received"], body["updated"], body["rejected"]) == (14, 2, 12)
    for res in body["results"]:
        for problems in res["errors"].values():
            assert all(set(p) == {"code", "message"} and p["code"] == res["code"] for p in problems), res
    # Only the two good rows were written.
    for row in (mismatch, not_in_registry, elsewhere, left, taken, record_differs):
        assert record(session, row["bhxh_code"]).cccd is None
    assert record(session, carries_other["bhxh_code"]).cccd != carries_other["cccd"]
    assert record(session, holder["bhxh_code"]).cccd == holder["cccd"]
    assert_exact(session)


def test_another_unit_never_updates_my_people(client, session, employer, other_employer):
    mine = legacy_employee(session, 0)
    resp = post(client, other_employer[1], [mine])
    res = resp.get_json()["results"][0]
    assert (res["status"], res["code"], res["bhxh_code"], res["cccd"]) == ("rejected", "not_employed", None, None)
    assert record(session, mine["bhxh_code"]).cccd is None
    # ... nor reads my batch.
    batch = post(client, employer[1], [mine]).get_json()["batch_id"]
    assert_problem(client.get(f"{URL}/{batch}", headers=other_employer[1]), 404, "not_found")
    assert_problem(client.get(f"/api/v1/employer/enrollments/{batch}", headers=employer[1]), 404, "not_found")


def test_idempotency_key_rules(client, session, employer):
    row = legacy_employee(session, 0)
    assert_problem(h.post(client, URL, employer[1], [clean(row)]), 400, "idempotency_key_required")
    key = h.key()
    first = post(client, employer[1], [row], idem=key)
    replay = post(client, employer[1], [row], idem=key)
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json()
    assert session.scalar(select(func.count()).select_from(Batch)) == 1
    assert_problem(post(client, employer[1], [{**clean(row), "full_name": "Khác"}], idem=key),
                   422, "idempotency_key_reused")


def test_batch_limits(client, session, employer):
    assert_problem(post(client, employer[1], []), 422, "validation_error")
    too_many = [{"bhxh_code": f"{i:010d}"} for i in range(10_001)]
    assert_problem(post(client, employer[1], too_many), 413, "payload_too_large")
    assert_problem(client.post(URL, json={"employees": [], "extra": 1}, headers={**employer[1], "Idempotency-Key": "k"}),
                   422, "validation_error")


def test_registry_down_writes_nothing(client, session, employer, app, monkeypatch):
    row = legacy_employee(session, 0)

    def down(*_a, **_k):
        raise RegistryUnavailable(retry_after=7)

    monkeypatch.setattr(app.extensions["runtime"].registry, "verify_many", down)
    body = assert_problem(post(client, employer[1], [row]), 503, "registry_unavailable")
    assert body["retry_after"] == 7
    assert record(session, row["bhxh_code"]).cccd is None
    assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_a_crash_half_way_leaves_nothing_and_the_retry_works(client, session, employer, app, monkeypatch):
    rows = [legacy_employee(session, i) for i in range(3)]
    settle(session)
    key = h.key()

    def crash(*_a, **_k):
        raise RuntimeError("worker killed after the records were written")

    monkeypatch.setattr(identity_updates.campaign, "refresh", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    resp = post(client, employer[1], rows, idem=key)
    assert resp.status_code == 500
    assert all(record(session, r["bhxh_code"]).cccd is None for r in rows)
    assert session.scalar(select(func.count()).select_from(Batch)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == identity_updates.ACTION)) == 0
    monkeypatch.undo()
    retry = post(client, employer[1], rows, idem=key)
    assert retry.status_code == 200 and retry.get_json()["updated"] == 3
    assert_exact(session)


def test_the_update_shows_in_the_persons_own_data(client, session, employer, app):
    row = legacy_employee(session, 0)
    assert post(client, employer[1], [row]).get_json()["updated"] == 1
    _, citizen = factories.citizen(app, session, phone="+84911000111", full_name=row["full_name"])
    link = client.post("/api/v1/me/link", json={**clean(row), "consent": True}, headers=citizen)
    assert link.status_code == 200, link.get_json()
    data = client.get("/api/v1/me/data", headers=citizen).get_json()
    assert data["insurance_record"]["cccd"] == row["cccd"]
    [update] = data["identity_updates"]
    assert update["unit_code"] == "TE3964E" and update["unit_name"] == employer[0].name and update["at"]
    assert update["cccd"] != row["cccd"] and update["cccd"].endswith(row["cccd"][-4:])
