"""POST /employer/enrollments (báo tăng), CONTRACT §6."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from models import AuditEvent, Batch, Card, Employment, InsuredPerson
from tests import factories
from tests.conftest import assert_problem

from .helpers import ENROLL, FACILITY, all_msgs, enroll, key, msgs, person_row, register, rows, to_csv


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_enroll_new_people_issues_codes_cards_and_employments(client, session, employer):
    cl, headers = employer
    body = rows(2, salary=15_000_000)
    body[0]["phone"] = "0912 345 678"
    register(session, body)
    resp = enroll(client, headers, body)
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert (answer["received"], answer["enrolled"], answer["rejected"]) == (2, 2, 0)
    assert len(answer["batch_id"]) == 32
    for res in answer["results"]:
        assert res["status"] == "enrolled" and res["code"] is None and res["errors"] == {}
        assert len(res["bhxh_code"]) == 10 and res["bhxh_code"].isdigit() and res["bhxh_code"].startswith("01")
        assert res["card_number"] == "DN401" + res["bhxh_code"]
        assert res["contribution"] == {"employer": 3_225_000, "employee": 1_575_000, "total": 4_800_000}
    assert [r["row"] for r in answer["results"]] == [1, 2]
    assert answer["results"][0]["bhxh_code"] != answer["results"][1]["bhxh_code"]

    person = session.scalars(select(InsuredPerson).where(InsuredPerson.cccd == body[0]["cccd"])).one()
    assert person.bhxh_code == answer["results"][0]["bhxh_code"]
    assert person.full_name == "Nguyễn Văn An" and person.phone == "+84912345678"
    card = session.scalars(select(Card).where(Card.person_id == person.id)).one()
    assert (card.object_code, card.benefit_level, card.province_code, card.facility_code) == ("DN", 4, "01", FACILITY)
    assert (card.valid_from, card.valid_to) == (date(2026, 11, 1), date(2026, 12, 31))
    assert card.status == "active" and card.issuing_agency == "BHXH thành phố Hà Nội"
    emp = session.scalars(select(Employment).where(Employment.person_id == person.id)).one()
    assert (emp.unit_code, emp.unit_name, emp.active, emp.salary) == ("TE3964E", cl.name, True, 15_000_000)
    assert emp.from_month == date(2026, 11, 1) and emp.card_id == card.id and emp.batch_id == answer["batch_id"]
    batch = session.get(Batch, answer["batch_id"])
    assert batch.status == "done" and batch.response == answer and batch.kind == "enrollment"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "employer.enrollment")).one()
    assert event.detail == {"unit_code": "TE3964E", "received": 2, "enrolled": 2, "rejected": 0}


def test_csv_with_bom_and_vietnamese_names_comma_and_semicolon(client, session, employer):
    _, headers = employer
    body = rows(4)
    body[0]["full_name"] = "Nguyễn Thị Ánh Tuyết"
    body[1]["full_name"] = "Đỗ Quốc Việt"
    register(session, body)
    resp = enroll(client, headers, to_csv(body[:2], bom=True), csv_body=True)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["enrolled"] == 2
    names = set(session.scalars(select(InsuredPerson.full_name)))
    assert names == {"Nguyễn Thị Ánh Tuyết", "Đỗ Quốc Việt"}
    resp = enroll(client, headers, to_csv(body[2:], delimiter=";", bom=True), csv_body=True)
    assert resp.status_code == 200 and resp.get_json()["enrolled"] == 2, resp.get_json()


def test_csv_row_errors_are_per_row(client, session, employer):
    _, headers = employer
    good = person_row(0)
    register(session, [good])
    data = to_csv([good, person_row(1, salary=0)]) + b"\r\n" + b"1,2,3,4,5,6,7,8,9,10,11\r\n"
    data = data.replace(b",0,2026-11", b",1.5e6,2026-11")
    answer = enroll(client, headers, data, csv_body=True).get_json()
    assert answer["received"] == 3 and answer["enrolled"] == 1
    assert msgs(answer["results"][1]["errors"]["salary"]) == ["Not a valid integer (VND per month)."]
    assert "_row" in answer["results"][2]["errors"]


def test_csv_header_problems_are_422(client, employer):
    _, headers = employer
    resp = enroll(client, headers, b"cccd,name\r\n001095012345,A\r\n", csv_body=True)
    body = assert_problem(resp, 422, "validation_error")
    assert body["errors"]["name"] == ["Unknown column."] and body["errors"]["full_name"] == ["Missing column."]
    assert_problem(enroll(client, headers, b"\xff\xfe\x00bad", csv_body=True), 422, "validation_error")
    assert_problem(enroll(client, headers, b"", csv_body=True), 422, "validation_error")


def test_a_row_with_every_kind_of_field_error_does_not_stop_the_others(client, session, employer):
    _, headers = employer
    good = person_row(0)
    register(session, [good])
    bad = {"cccd": "12345", "full_name": "", "date_of_birth": "1990-02-30", "gender": "x", "salary": "lots",
           "start_month": "2026-13", "job_title": "   ", "primary_care_facility_code": "ABC",
           "phone": "12345", "bhxh_code": "12", "nickname": "Bé"}
    wrong_cccd = person_row(1, cccd="001099000001")  # digit 4 and digits 5-6 disagree with the birth date
    unknown_facility = person_row(2, primary_care_facility_code="99999")
    answer = enroll(client, headers, [bad, good, wrong_cccd, unknown_facility, "not an object", {}]).get_json()
    assert (answer["received"], answer["enrolled"], answer["rejected"]) == (6, 1, 5)
    res = answer["results"]
    assert res[0]["status"] == "rejected" and res[0]["code"] == "validation_error"
    assert res[0]["bhxh_code"] is None and res[0]["card_number"] is None and res[0]["contribution"] is None
    assert set(res[0]["errors"]) == {
        "cccd", "full_name", "date_of_birth", "gender", "salary", "start_month", "job_title",
        "primary_care_facility_code", "phone", "bhxh_code", "nickname"}
    assert msgs(res[0]["errors"]["nickname"]) == ["Unknown field."]
    assert res[1]["status"] == "enrolled"
    assert len(res[2]["errors"]["cccd"]) == 2
    assert all_msgs(res[3]["errors"]) == {"primary_care_facility_code": ["No such health facility."]}
    assert all_msgs(res[4]["errors"]) == {"_row": ["Each employee must be an object."]}
    assert set(res[5]["errors"]) == {"cccd", "full_name", "date_of_birth", "gender", "salary", "start_month",
                                     "job_title", "primary_care_facility_code"}
    assert count(session, InsuredPerson) == 1


def test_registry_mismatch_rejects_the_row(client, session, employer):
    _, headers = employer
    body = rows(3)
    register(session, body[:1])
    register(session, [{**body[1], "full_name": "Nguyen Van An"}])  # diacritics are significant
    answer = enroll(client, headers, body).get_json()
    assert [r["status"] for r in answer["results"]] == ["enrolled", "rejected", "rejected"]
    assert answer["results"][1]["code"] == answer["results"][2]["code"] == "registry_mismatch"


def test_registry_unavailable_is_503_and_writes_nothing(client, session, employer, app, monkeypatch):
    from integrations.registry import RegistryUnavailable
    from services import runtime

    _, headers = employer
    body = rows(2)
    register(session, body)

    def down(*_a, **_k):
        raise RegistryUnavailable("down", retry_after=7)

    with app.app_context():
        monkeypatch.setattr(runtime.get().registry, "verify_many", down)
    resp = enroll(client, headers, body, idem="k-503")
    assert_problem(resp, 503, "registry_unavailable")
    assert resp.headers["Retry-After"] == "7"
    assert count(session, Batch) == count(session, InsuredPerson) == 0
    monkeypatch.undo()
    assert enroll(client, headers, body, idem="k-503").get_json()["enrolled"] == 2


def test_existing_person_keeps_code_and_bhxh_code_rules(client, session, employer):
    _, headers = employer
    body = rows(5)
    register(session, body)
    known = factories.person(session, "0100000001", cccd=body[0]["cccd"], full_name=body[0]["full_name"],
                             date_of_birth=date.fromisoformat(body[0]["date_of_birth"]), gender=body[0]["gender"])
    legacy = factories.person(session, "0100000002", cccd=None, full_name=body[1]["full_name"],
                              date_of_birth=date.fromisoformat(body[1]["date_of_birth"]), gender=body[1]["gender"])
    factories.person(session, "0100000003", cccd="001080999999")
    other = factories.person(session, "0100000004", cccd=None, full_name="Someone Else")
    body[1]["bhxh_code"] = "0100000002"  # legacy record without a CCCD: gets it
    body[2]["bhxh_code"] = "0100000003"  # a code that belongs to another CCCD
    body[3]["bhxh_code"] = "0999999999"  # unknown code
    body[4]["bhxh_code"] = "0100000004"  # a record of someone else (name differs)
    answer = enroll(client, headers, body).get_json()
    res = answer["results"]
    assert res[0]["status"] == "enrolled" and res[0]["bhxh_code"] == known.bhxh_code
    assert res[1]["status"] == "enrolled" and res[1]["bhxh_code"] == "0100000002"
    assert (res[2]["code"], res[3]["code"], res[4]["code"]) == (
        "bhxh_code_mismatch", "bhxh_code_not_found", "bhxh_code_mismatch")
    session.expire_all()
    assert session.get(InsuredPerson, legacy.id).cccd == body[1]["cccd"]
    assert session.get(InsuredPerson, other.id).cccd is None
    assert count(session, InsuredPerson) == 4


def test_given_code_of_the_same_person_is_accepted_and_another_persons_code_is_not(client, session, employer):
    _, headers = employer
    body = rows(2)
    register(session, body)
    factories.person(session, "0100000001", cccd=body[0]["cccd"])
    factories.person(session, "0100000009", cccd=body[1]["cccd"])
    body[0]["bhxh_code"] = "0100000001"
    body[1]["bhxh_code"] = "0100000001"
    res = enroll(client, headers, body).get_json()["results"]
    assert res[0]["status"] == "enrolled" and res[1]["code"] == "bhxh_code_mismatch"


def test_start_month_bounds(client, session, employer):
    _, headers = employer
    months = ["2025-10", "2025-11", "2027-02", "2027-03", "2026-00", "26-11"]
    body = [person_row(i, start_month=m) for i, m in enumerate(months)]
    register(session, body)
    res = enroll(client, headers, body).get_json()["results"]
    assert [r["status"] for r in res] == ["rejected", "enrolled", "enrolled", "rejected", "rejected", "rejected"]
    assert "12 months back" in msgs(res[0]["errors"]["start_month"])[0]
    assert "3 months ahead" in msgs(res[3]["errors"]["start_month"])[0]
    cards = {c.valid_from: c.valid_to for c in session.scalars(select(Card))}
    # From a past year: to the end of this year; from next year: to the end of that year.
    assert cards == {date(2025, 11, 1): date(2026, 12, 31), date(2027, 2, 1): date(2027, 12, 31)}


def test_already_enrolled_and_duplicate_cccd_in_one_batch(client, session, employer, other_employer):
    _, headers = employer
    body = rows(2)
    register(session, body)
    first = enroll(client, headers, body[:1]).get_json()
    assert first["enrolled"] == 1
    res = enroll(client, headers, [body[0], body[1], body[1]]).get_json()["results"]
    assert [r["code"] for r in res] == ["already_enrolled", None, "already_enrolled"]
    assert msgs(res[2]["errors"]["cccd"]) == ["This CCCD is already in row 2 of this batch."]
    # Another unit may employ the same person at the same time (a second job); the card the first
    # unit's enrollment put there stays as it is (the multi-employer rule, services/enrollment_matching.py).
    first_card, cards = first["results"][0]["card_number"], count(session, Card)
    _, other_headers = other_employer
    res = enroll(client, other_headers, body[:1]).get_json()["results"]
    assert res[0]["status"] == "enrolled" and res[0]["card_number"] == first_card
    assert count(session, Card) == cards
    assert count(session, Employment) == 3


def test_contribution_is_capped_and_rounded(client, session, employer, app):
    _, headers = employer
    body = [person_row(0, salary=100_000_000), person_row(1, salary=10_000_003)]
    register(session, body)
    res = enroll(client, headers, body).get_json()["results"]
    assert res[0]["contribution"] == {"employer": 10_062_000, "employee": 4_914_000, "total": 14_976_000}
    assert res[1]["contribution"] == {"employer": 2_150_001, "employee": 1_050_000, "total": 3_200_001}
    assert session.scalars(select(Employment.salary).order_by(Employment.id)).all() == [100_000_000, 10_000_003]


def test_contribution_follows_the_settings(app_config, session, now):
    from app import create_app

    app = create_app({**app_config, "BASE_SALARY_VND": 2_000_000, "CONTRIBUTION_CAP_MULTIPLE": 10,
                      "EMPLOYER_RATE_PERMILLE": 200, "EMPLOYEE_RATE_PERMILLE": 100})
    client = app.test_client()
    with app.app_context():
        factories.facility(session, FACILITY)
        _, headers = factories.employer(app, session)
    body = [person_row(0, salary=50_000_000)]
    register(session, body)
    res = enroll(client, headers, body).get_json()["results"][0]
    assert res["contribution"] == {"employer": 4_000_000, "employee": 2_000_000, "total": 6_000_000}
    app.extensions["db"].dispose()


def test_reenrollment_in_the_same_province_reactivates_the_card(client, session, employer, now):
    from .helpers import terminate

    _, headers = employer
    body = rows(1)
    register(session, body)
    first = enroll(client, headers, body).get_json()["results"][0]
    terminate(client, headers, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}])
    now.set(datetime(2027, 1, 10, 3, 0, tzinfo=UTC))
    again = enroll(client, headers, [{**body[0], "start_month": "2027-01", "primary_care_facility_code": "79001"}]
                   ).get_json()["results"][0]
    assert again["status"] == "enrolled" and again["card_number"] == first["card_number"]
    session.expire_all()
    card = session.scalars(select(Card)).one()
    assert (card.status, card.status_reason, card.facility_code) == ("active", None, "79001")
    assert (card.valid_from, card.valid_to) == (date(2027, 1, 1), date(2027, 12, 31))
    assert card.status_changed_at == now()
    assert count(session, Employment) == 2


def test_revoked_card_is_not_reissued(client, session, employer):
    _, headers = employer
    body = rows(1)
    register(session, body)
    p = factories.person(session, "0100000001", cccd=body[0]["cccd"])
    factories.card(session, p, status="revoked", status_reason="fraud")
    res = enroll(client, headers, body).get_json()["results"][0]
    assert res["code"] == "card_revoked"


def test_idempotency(client, session, employer):
    _, headers = employer
    body = rows(2)
    register(session, body)
    assert_problem(enroll(client, headers, body, idem=""), 400, "idempotency_key_required")
    resp = client.post(ENROLL, json={"employees": body}, headers=headers)
    assert_problem(resp, 400, "idempotency_key_required")
    assert_problem(enroll(client, headers, body, idem="bad key with spaces"), 400, "idempotency_key_invalid")
    first = enroll(client, headers, body, idem="batch-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    persons = count(session, InsuredPerson)
    again = enroll(client, headers, body, idem="batch-1")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # The same rows as CSV are the same request: the hash is over the parsed rows, not the bytes.
    as_csv = enroll(client, headers, to_csv(body, bom=True), idem="batch-1", csv_body=True)
    assert as_csv.status_code == 200 and as_csv.get_json() == first.get_json()
    assert count(session, InsuredPerson) == persons and count(session, Batch) == 1
    assert_problem(enroll(client, headers, body[:1], idem="batch-1"), 422, "idempotency_key_reused")
    from .helpers import TERMINATE, post
    resp = post(client, TERMINATE, headers, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}],
                "batch-1")
    assert_problem(resp, 422, "idempotency_key_reused")


def test_keys_are_per_client(client, session, employer, other_employer):
    body = rows(1)
    register(session, body)
    a = enroll(client, employer[1], body, idem="same").get_json()
    b = enroll(client, other_employer[1], body, idem="same").get_json()
    assert a["batch_id"] != b["batch_id"] and b["enrolled"] == 1


def test_size_limits_and_body_shape(client, employer):
    _, headers = employer
    resp = enroll(client, headers, [{}] * 10_001)
    body = assert_problem(resp, 413, "payload_too_large")
    assert body["max_rows"] == 10_000
    big_csv = to_csv([]) + b"1,2,3,4,5,6,7,8\r\n" * 10_001
    assert_problem(enroll(client, headers, big_csv, csv_body=True), 413, "payload_too_large")
    assert_problem(enroll(client, headers, []), 422, "validation_error")
    h = {**headers, "Idempotency-Key": key()}
    assert_problem(client.post(ENROLL, data="{bad", headers={**h, "Content-Type": "application/json"}),
                   422, "validation_error")
    resp = client.post(ENROLL, json={"employees": [], "extra": 1}, headers=h)
    assert assert_problem(resp, 422, "validation_error")["errors"]["extra"] == ["Unknown field."]
    assert_problem(client.post(ENROLL, json={"employees": {}}, headers=h), 422, "validation_error")
    assert_problem(client.post(ENROLL, json=[], headers=h), 422, "validation_error")
    assert_problem(client.post(ENROLL, data="x", headers={**h, "Content-Type": "text/plain"}),
                   415, "unsupported_media_type")


def test_roles(client, app, session, employer):
    body = rows(1)
    assert_problem(enroll(client, {}, body), 401, "unauthorized")
    _, clinic_headers = factories.clinic(app, session)
    assert_problem(enroll(client, clinic_headers, body), 403, "forbidden")
    _, citizen_headers = factories.citizen(app, session)
    assert_problem(enroll(client, citizen_headers, body), 403, "forbidden")
    _, officer_headers = factories.officer(app, session)
    assert_problem(enroll(client, officer_headers, body), 403, "forbidden")


def test_stored_answer_is_visible_to_its_unit_only(client, session, employer, other_employer):
    _, headers = employer
    body = rows(1)
    register(session, body)
    answer = enroll(client, headers, body).get_json()
    resp = client.get(f"{ENROLL}/{answer['batch_id']}", headers=headers)
    assert resp.status_code == 200 and resp.get_json() == answer
    assert_problem(client.get(f"{ENROLL}/{answer['batch_id']}", headers=other_employer[1]), 404, "not_found")
    assert_problem(client.get(f"{ENROLL}/{'0' * 32}", headers=headers), 404, "not_found")
    assert_problem(client.get(f"{ENROLL}/{'x' * 40}", headers=headers), 404, "not_found")
    assert_problem(client.get(f"/api/v1/employer/terminations/{answer['batch_id']}", headers=headers), 404, "not_found")
    assert_problem(client.get(f"{ENROLL}/{answer['batch_id']}"), 401, "unauthorized")


def test_deactivated_employer_client_is_refused_at_once(client, session, employer):
    """An employer client switched off by an operator: its unexpired token gets 401 and nothing
    is written."""
    from models import ApiClient

    cl, headers = employer
    body = rows(1)
    register(session, body)
    session.get(ApiClient, cl.client_id).active = False
    session.commit()
    assert_problem(enroll(client, headers, body), 401, "unauthorized")
    assert count(session, Batch) == 0 and count(session, Employment) == 0
