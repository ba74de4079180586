"""GET /me/participation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import InsuredPerson
from tests import factories
from tests.api.employer.helpers import FACILITY, NOW, enroll, person_row, register, terminate
from tests.conftest import assert_problem

URL = "/api/v1/me/participation"


@pytest.fixture
def setup(app, session, frozen_clock):
    frozen_clock.set(NOW)
    factories.facility(session, FACILITY)
    _, a = factories.employer(app, session, unit_code="TE3964E", province_code="01", name="Công ty TNHH An Phát")
    _, b = factories.employer(app, session, unit_code="HN00002", province_code="01", name="Công ty CP Bình Minh")
    return a, b


def test_history_newest_first_across_employers(client, app, session, frozen_clock, setup):
    a, b = setup
    row = person_row(0, start_month="2026-01", salary=9_000_000, job_title="Thủ kho")
    register(session, [row])
    enroll(client, a, [row])
    terminate(client, a, [{"cccd": row["cccd"], "end_month": "2026-06", "reason": "transfer_in_province"}])
    enroll(client, b, [{**row, "start_month": "2026-07", "salary": 12_000_000, "job_title": "Trưởng kho"}])
    acc, headers = factories.citizen(app, session)
    person = session.scalars(select(InsuredPerson)).one()
    person.account_id, person.linked_at = acc.id, frozen_clock()
    session.commit()
    resp = client.get(URL, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    page = resp.get_json()
    assert page["total"] == 2 and page["page"] == 1
    assert page["items"] == [
        {"unit_code": "HN00002", "unit_name": "Công ty CP Bình Minh", "from_month": "2026-07", "to_month": None,
         "salary": 12_000_000, "job_title": "Trưởng kho"},
        {"unit_code": "TE3964E", "unit_name": "Công ty TNHH An Phát", "from_month": "2026-01", "to_month": "2026-06",
         "salary": 9_000_000, "job_title": "Thủ kho"},
    ]


def test_unlinked_citizen_and_access(client, app, session, setup):
    a, _ = setup
    _, headers = factories.citizen(app, session)
    assert_problem(client.get(URL, headers=headers), 404, "not_linked")
    assert_problem(client.get(URL), 401, "unauthorized")
    assert_problem(client.get(URL, headers=a), 403, "forbidden")
    _, officer_headers = factories.officer(app, session)
    assert_problem(client.get(URL, headers=officer_headers), 403, "forbidden")


def test_linked_citizen_without_employment_gets_an_empty_list(client, app, session, setup):
    acc, headers = factories.citizen(app, session)
    p = factories.person(session, "0100000001", cccd="001095012345")
    p.account_id = acc.id
    session.commit()
    assert client.get(URL, headers=headers).get_json() == {"items": [], "page": 1, "per_page": 20, "total": 0}
