"""`flask seed demo`: re-runnable, and its people show every linking outcome and card state."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Account, ApiClient, Card, Facility, InsuredPerson, LinkRequest, RegistryRecord
from services import api_clients
from services.seed_demo import CLINIC, CLINIC_STAFF, DEMO_PASSWORD, EMPLOYER
from tests import factories

LINK = "/api/v1/me/link"


def _counts(session) -> dict:
    session.expire_all()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Facility, RegistryRecord, InsuredPerson, Card, Account, ApiClient)}


@pytest.fixture
def seeded(runner, session):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output + str(result.exception)
    return result


def _token(app, session, phone: str) -> dict:
    acc = session.scalar(select(Account).where(Account.phone == phone))
    return {"Authorization": f"Bearer {factories.account_token(app, session, acc)}"}


def test_seed_prints_credentials_and_reruns(runner, session, seeded):
    assert DEMO_PASSWORD in seeded.output and CLINIC["client_id"] in seeded.output
    first = _counts(session)
    assert first == {"Facility": 7, "RegistryRecord": 16, "InsuredPerson": 14, "Card": 16, "Account": 7,
                     "ApiClient": 2}
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    assert _counts(session) == first


def test_demo_clients_authenticate(session, seeded):
    clinic = api_clients.authenticate(session, CLINIC["client_id"], CLINIC["secret"])
    assert clinic is not None and clinic.facility_code == "01001"
    employer = api_clients.authenticate(session, EMPLOYER["client_id"], EMPLOYER["secret"])
    assert employer is not None and employer.unit_code == "TE3964E"


def _link(client, headers, cccd, name, dob, gender, bhxh=None):
    body = {"cccd": cccd, "full_name": name, "date_of_birth": dob, "gender": gender, "consent": True}
    if bhxh:
        body["bhxh_code"] = bhxh
    return client.post(LINK, json=body, headers=headers)


def test_every_linking_outcome(app, client, session, runner, seeded):
    an = _link(client, _token(app, session, "+84901000001"), "001095012345", "Nguyễn Văn An", "1995-03-05", "male",
               "0123456789")
    assert an.status_code == 200, an.get_json()
    bao = _link(client, _token(app, session, "+84901000002"), "079203004567", "Trần Văn Bảo", "2003-07-14", "male",
                "7937368040")
    assert bao.status_code == 202 and bao.get_json()["status"] == "pending_review"
    cuc = _link(client, _token(app, session, "+84901000003"), "038180000123", "Le Thi Cuc", "1980-11-20", "female",
                "3812345670")
    assert cuc.status_code == 422 and cuc.get_json()["code"] == "registry_mismatch"
    duc = _link(client, _token(app, session, "+84901000004"), "001090045678", "Phạm Minh Đức", "1990-06-15", "male")
    assert duc.status_code == 404 and duc.get_json()["code"] == "insurance_record_not_found"
    hoa = client.get(LINK, headers=_token(app, session, "+84901000005")).get_json()
    assert hoa["status"] == "linked" and hoa["bhxh_code"] == "0112233445"
    khach = _link(client, _token(app, session, "+84901000006"), "001185006789", "Hoàng Thị Hoa", "1985-09-02",
                  "female")
    assert khach.status_code == 409 and khach.get_json()["code"] == "already_linked"

    # A re-run puts every demo person back where the demo starts.
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    session.expire_all()
    assert session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == "0123456789")).account_id is None
    assert session.scalar(select(func.count()).select_from(LinkRequest)) == 0
    assert client.get(LINK, headers=_token(app, session, "+84901000001")).get_json()["status"] == "none"


@pytest.mark.parametrize("identifier, name, dob, code", [
    ("DN4010123456789", "Nguyễn Văn An", "1995-03-05", "000"),
    ("0123456789", "Nguyễn Văn An", "1995-03-05", "000"),
    ("GD4383812345670", "Lê Thị Cúc", "1980-11-20", "010"),
    ("DN4010100000011", "Vũ Văn Giang", "1988-04-10", "110"),
    ("DN4010100000022", "Đặng Thị Hạnh", "1992-12-01", "121"),
    ("DN4010100000033", "Bùi Văn Hùng", "1987-02-28", "122"),
    ("DN4010100000044", "Đỗ Thị Lan", "1993-08-08", "124"),
    ("SV4010100000055", "Phan Văn Long", "1996-05-20", "004"),
    ("SV4010100000066", "Ngô Thị Mai", "1994-10-30", "003"),
    ("DN4010100000066", "Ngô Thị Mai", "1994-10-30", "000"),
    ("QN5970100000077", "Trịnh Văn Quân", "1985-01-15", "001"),
    ("CA5980100000088", "Lý Văn Công", "1991-03-03", "002"),
    ("001185006789", "Hoàng Thị Hoa", "1985-09-02", "000"),
    ("7937368040", "Tran Van Bao", "2003-07-14", "000"),
    ("HT3010100000099", "Nguyễn Thị Tư", "1948-07-20", "000"),   # year-only record
    ("HT3010100000099", "Nguyễn Thị Tư", "1948", "000"),
    ("HT3010100000099", "Nguyễn Thị Tư", "1947", "070"),
    ("CN3010100000100", "Trần Văn Năm", "1952-05-09", "000"),    # month-only record
    ("CN3010100000100", "Trần Văn Năm", "1952-06", "070"),
])
def test_every_card_state(app, client, session, seeded, identifier, name, dob, code):
    clinic = session.get(ApiClient, CLINIC["client_id"])
    headers = factories.client_headers(app, clinic)
    resp = client.post("/api/v1/clinic/card-checks", headers=headers, json={
        "identifier": identifier, "full_name": name, "date_of_birth": dob,
        "staff_cccd": CLINIC_STAFF[0], "staff_name": CLINIC_STAFF[1]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["result_code"] == code, resp.get_json()


def test_refuses_production(app, session):
    from services.seed_demo import DemoRefused, seed_demo

    app.config["APP_ENV"] = "production"
    with app.app_context(), pytest.raises(DemoRefused):
        seed_demo(session)
