"""`flask registry import` family columns, `flask births import`, `flask clients create birth-registry`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import ApiClient, BirthRegistration, Card, RegistryRecord
from tests.api.family import helpers as h

FAMILY_HEADER = "cccd,full_name,date_of_birth,gender,mother_cccd,father_cccd,guardian_cccd,household_code\n"
BIRTH_HEADER = ("registration_id,cccd,full_name,date_of_birth,gender,province_code,mother_cccd,father_cccd,"
                "guardian_cccd,facility_code\n")


def _run(runner, tmp_path, args: list[str], text: str):
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=[*args, str(path)])


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_registry_import_takes_the_family_columns(runner, session, tmp_path):
    text = FAMILY_HEADER + ("001190000123,Nguyễn Thị Mai,1990-04-12,female,,,,HN-0001\n"
                            "001224000101,Trần Minh Khôi,2024-05-10,male,001190000123,001088000456,,HN-0001\n")
    result = _run(runner, tmp_path, ["registry", "import"], text)
    assert result.exit_code == 0, result.output
    khoi = session.get(RegistryRecord, "001224000101")
    assert (khoi.mother_cccd, khoi.father_cccd, khoi.guardian_cccd, khoi.household_code) == (
        "001190000123", "001088000456", None, "HN-0001")
    # A re-run without the columns replaces the row: the relations are gone with it.
    again = _run(runner, tmp_path, ["registry", "import"],
                 "cccd,full_name,date_of_birth,gender\n001224000101,Trần Minh Khôi,2024-05-10,male\n")
    assert again.exit_code == 0, again.output
    session.expire_all()
    assert session.get(RegistryRecord, "001224000101").mother_cccd is None


@pytest.mark.parametrize("row,message", [
    ("001224000101,Khôi,2024-05-10,male,12345,,,", "line 2: mother_cccd: '12345' is not a 12-digit CCCD"),
    ("001224000101,Khôi,2024-05-10,male,,001224000101,,", "line 2: father_cccd: a person cannot be their own"),
    ("001224000101,Khôi,2024-05-10,male,,,,HN 01", "line 2: household_code: 1 to 20 letters"),
])
def test_registry_import_refuses_bad_family_columns(runner, session, tmp_path, row, message):
    result = _run(runner, tmp_path, ["registry", "import"], FAMILY_HEADER + row + "\n")
    assert result.exit_code == 1 and message in result.output, result.output
    assert _count(session, RegistryRecord) == 0


@pytest.fixture
def at_now(frozen_clock):
    frozen_clock.set(h.NOW)


def test_births_import_issues_cards_and_reruns(app, runner, session, tmp_path, at_now):
    h.build(app, session)
    text = BIRTH_HEADER + ("HT-1,001226000123,Trần Gia Bảo,2026-11-20,male,01,001190000123,,,\n"
                           "HT-2,001326000124,Trần Gia Hân,2026-10-01,Nữ,01,,,001085000789,01001\n")
    result = _run(runner, tmp_path, ["births", "import"], text)
    assert result.exit_code == 0, result.output
    assert "2 card(s) issued, 0 already registered" in result.output
    cards = {c.valid_from.isoformat(): c for c in session.scalars(select(Card).where(Card.object_code == "TE"))}
    assert cards["2026-11-20"].valid_to.isoformat() == "2032-11-19" and cards["2026-11-20"].facility_code == "01001"
    assert cards["2026-10-01"].valid_to.isoformat() == "2032-09-30"
    again = _run(runner, tmp_path, ["births", "import"], text)
    assert again.exit_code == 0 and "0 card(s) issued, 2 already registered" in again.output, again.output
    assert _count(session, BirthRegistration) == 2


def test_births_import_is_all_or_nothing(app, runner, session, tmp_path, at_now):
    h.build(app, session)
    text = BIRTH_HEADER + ("HT-1,001226000123,Trần Gia Bảo,2026-11-20,male,01,001190000123,,,\n"
                           "HT-2,001326000124,Trần Gia Hân,20/10/2026,female,01,001190000123,,,\n"
                           "HT-3,001326000125,Trần Gia Hân,2026-10-02,female,01,,,,\n"
                           "HT-4,001326000126,Trần Gia Hân,2026-10-03,female,01,,,001085000789,\n")
    result = _run(runner, tmp_path, ["births", "import"], text)
    assert result.exit_code == 1
    assert "line 3: date_of_birth" in result.output
    assert "line 4: mother_cccd: at least one of" in result.output
    assert "line 5: facility_code: no parent's active card" in result.output
    assert "nothing was written" in result.output
    assert (_count(session, BirthRegistration), _count(session, Card)) == (0, 2)


def test_create_birth_registry_client(runner, client, session):
    result = runner.invoke(args=["clients", "create", "birth-registry", "--name", "Hộ tịch điện tử"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    cl = session.get(ApiClient, out["client_id"])
    assert cl.kind == "birth_registry" and cl.secret_hash != out["client_secret"]
    assert (cl.facility_code, cl.unit_code, cl.province_code) == (None, None, None)
    token = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
        "client_id": out["client_id"], "client_secret": out["client_secret"]})
    assert token.status_code == 200


def test_birth_registry_client_takes_no_binding(session):
    from services import api_clients

    with pytest.raises(api_clients.ClientError):
        api_clients.create_client(session, "birth_registry", "X", facility_code="01001")
