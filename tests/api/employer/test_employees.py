"""GET /employer/employees."""
from __future__ import annotations

from tests import factories
from tests.conftest import assert_problem

from .helpers import EMPLOYEES, enroll, person_row, register, terminate


def test_lists_this_units_active_employees_paginated(client, session, employer, other_employer):
    _, headers = employer
    body = [person_row(i, start_month=m, salary=10_000_000 + i) for i, m in
            enumerate(["2026-09", "2026-11", "2026-10", "2026-11"])]
    register(session, body)
    results = enroll(client, headers, body[:3]).get_json()["results"]
    enroll(client, other_employer[1], body[3:])
    terminate(client, headers, [{"cccd": body[2]["cccd"], "end_month": "2026-11", "reason": "stopped"}])
    page = client.get(f"{EMPLOYEES}?per_page=1", headers=headers).get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 1, 1, 1)
    assert page["items"][0] == {
        "bhxh_code": results[1]["bhxh_code"], "cccd": body[1]["cccd"], "full_name": body[1]["full_name"],
        "start_month": "2026-11", "salary": 10_000_001, "job_title": "Nhân viên kinh doanh",
        "card_number": results[1]["card_number"]}
    page2 = client.get(f"{EMPLOYEES}?per_page=1&page=2", headers=headers).get_json()
    assert page2["items"][0]["start_month"] == "2026-09"
    assert client.get(EMPLOYEES, headers=other_employer[1]).get_json()["total"] == 1
    assert_problem(client.get(f"{EMPLOYEES}?per_page=101", headers=headers), 422, "validation_error")


def test_access(client, app, session, employer):
    assert_problem(client.get(EMPLOYEES), 401, "unauthorized")
    _, citizen_headers = factories.citizen(app, session)
    assert_problem(client.get(EMPLOYEES, headers=citizen_headers), 403, "forbidden")
    _, clinic_headers = factories.clinic(app, session)
    assert_problem(client.get(EMPLOYEES, headers=clinic_headers), 403, "forbidden")
