"""`flask registry|insurance|facilities import`: all rows or none, every bad row reported by line."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Card, Facility, InsuredPerson, RegistryRecord
from tests import factories

REG_HEADER = "cccd,full_name,date_of_birth,gender,address\n"
INS_HEADER = ("bhxh_code,cccd,full_name,date_of_birth,gender,object_code,benefit_level,province_code,area_code,"
              "facility_code,valid_from,valid_to,five_year_date,status\n")


def _run(runner, tmp_path, kind: str, text: str | bytes, name: str = "in.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return runner.invoke(args=[kind, "import", str(path)])


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


# --- registry --------------------------------------------------------------------------------------------------

def test_registry_import_and_rerun(runner, session, tmp_path):
    text = REG_HEADER + ("001095012345,Nguyễn Văn An,1995-03-05,male,Số 1 Tràng Tiền\n"
                         "079303004567,  Trần  Thị Bích ,14/07/2003,Nữ,\n")
    result = _run(runner, tmp_path, "registry", "\ufeff" + text)  # with a BOM
    assert result.exit_code == 0, result.output
    assert "imported 2 registry rows" in result.output
    rec = session.get(RegistryRecord, "079303004567")
    assert (rec.full_name, rec.date_of_birth, rec.gender, rec.address) == ("Trần Thị Bích", date(2003, 7, 14),
                                                                           "female", None)
    again = _run(runner, tmp_path, "registry", REG_HEADER + "001095012345,Nguyễn Văn Ân,1995-03-05,male,\n")
    assert again.exit_code == 0, again.output
    session.expire_all()
    assert session.get(RegistryRecord, "001095012345").full_name == "Nguyễn Văn Ân"
    assert _count(session, RegistryRecord) == 2
    assert session.scalars(select(AuditEvent.action)).all() == ["import.registry", "import.registry"]


def test_registry_address_is_optional(runner, session, tmp_path):
    result = _run(runner, tmp_path, "registry", "gender,cccd,date_of_birth,full_name\nmale,001095012345,1995-03-05,An\n")
    assert result.exit_code == 0, result.output
    assert _count(session, RegistryRecord) == 1


@pytest.mark.parametrize("row, message", [
    ("00109501234,An,1995-03-05,male,", "cccd: Số CCCD phải gồm đúng 12 chữ số"),
    ("100095012345,An,1995-03-05,male,", "cccd: Mã tỉnh 100"),
    ("001195012345,An,1995-03-05,male,", "digit 4"),
    ("001094012345,An,1995-03-05,male,", "digits 5-6"),
    ("001095012345,,1995-03-05,male,", "full_name: empty"),
    ("001095012345,An,1995-13-05,male,", "date_of_birth: '1995-13-05' is not a date"),
    ("001095012345,An,2999-03-05,male,", "date_of_birth: 2999-03-05 is out of range"),
    ("001095012345,An,1995-03-05,m,", "gender: 'm' is not male or female"),
    ("001095012345,An,1995-03-05,male,x,y", "expected 5 fields, found 6"),
    ("001095012345,An,1995-03-05", "expected 5 fields, found 3"),
])
def test_registry_bad_row_refuses_whole_file(runner, session, tmp_path, row, message):
    text = REG_HEADER + "038180000123,Lê Thị Cúc,1980-01-01,female,\n" + row + "\n"
    result = _run(runner, tmp_path, "registry", text)
    assert result.exit_code == 1
    assert any("line 3: " in ln and message in ln for ln in result.stderr.splitlines()), result.stderr
    assert "nothing was written" in result.stderr
    assert _count(session, RegistryRecord) == 0


def test_registry_reports_every_bad_row(runner, session, tmp_path):
    text = REG_HEADER + ("001095012345,An,1995-03-05,male,\n"
                         "bad,An,1995-03-05,male,\n"
                         "001095012345,An,1995-03-05,male,\n"
                         "038180000123,,1980-01-01,male,\n")
    result = _run(runner, tmp_path, "registry", text)
    assert result.exit_code == 1
    lines = [ln for ln in result.stderr.splitlines() if ": line " in ln]
    assert any("line 3: cccd" in ln for ln in lines)
    assert any("line 4: cccd: the same CCCD is on line 2" in ln for ln in lines)
    assert any("line 5: full_name: empty" in ln for ln in lines)
    assert any("line 5: cccd" in ln and "digit 4" in ln for ln in lines)  # 0381… is a woman's number
    assert _count(session, RegistryRecord) == 0


@pytest.mark.parametrize("text, message", [
    (b"", "line 1: the file is empty"),
    ("cccd,full_name,gender\n", "line 1: missing column(s): date_of_birth"),
    ("cccd,full_name,date_of_birth,gender,phone\n", "line 1: unknown column(s): phone"),
    ("cccd,cccd,full_name,date_of_birth,gender\n", "line 1: repeated column(s): cccd"),
    (REG_HEADER.encode() + b"001095012345,Nguy\xe1n,1995-03-05,male,\n", "line 2: the file is not UTF-8"),
])
def test_registry_file_faults(runner, session, tmp_path, text, message):
    result = _run(runner, tmp_path, "registry", text)
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr


def test_missing_file_is_usage_error(runner, tmp_path):
    result = runner.invoke(args=["registry", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2


def test_blank_lines_and_quoted_commas(runner, session, tmp_path):
    text = REG_HEADER + '\n001095012345,Nguyễn Văn An,1995-03-05,male,"Số 1, Tràng Tiền"\n\n'
    result = _run(runner, tmp_path, "registry", text)
    assert result.exit_code == 0, result.output
    assert session.get(RegistryRecord, "001095012345").address == "Số 1, Tràng Tiền"


# --- facilities ------------------------------------------------------------------------------------------------

def test_facilities_import_and_rerun(runner, session, tmp_path):
    result = _run(runner, tmp_path, "facilities", "code,name\n01001,Bệnh viện Bạch Mai\n79 - 011,BV Quận 1\n")
    assert result.exit_code == 0, result.output
    again = _run(runner, tmp_path, "facilities", "code,name\n01001,BV Bạch Mai\n")
    assert again.exit_code == 0
    session.expire_all()
    assert session.get(Facility, "01001").name == "BV Bạch Mai" and session.get(Facility, "79011")


@pytest.mark.parametrize("row, message", [
    ("0100,X", "code: '0100' is not a 5-digit facility code"),
    ("00001,X", "code: 00 is not a province code"),
    ("01001,", "name: empty"),
    ("01001,Bạch Mai", "code: the same code is on line 2"),
])
def test_facilities_bad_rows(runner, session, tmp_path, row, message):
    result = _run(runner, tmp_path, "facilities", f"code,name\n01001,Bạch Mai\n{row}\n")
    assert result.exit_code == 1
    assert f"line 3: {message}" in result.stderr, result.stderr
    assert _count(session, Facility) == 0


# --- insurance ---------------------------------------------------------------------------------------------------

def _ins(bhxh="0123456789", cccd="001095012345", name="Nguyễn Văn An", dob="1995-03-05", gender="male",
         obj="DN", level="4", prov="01", area="", fac="01001", vf="2025-01-01", vt="2025-12-31", five="",
         status="active") -> str:
    return ",".join([bhxh, cccd, name, dob, gender, obj, level, prov, area, fac, vf, vt, five, status]) + "\n"


@pytest.fixture
def facilities(session):
    factories.facility(session, "01001")
    factories.facility(session, "79011", "BV Quận 1")


def test_insurance_same_number_twice_is_refused(runner, session, tmp_path, facilities):
    """A card number is object+level+province+BHXH code: two years of one DN card repeat it."""
    text = INS_HEADER + _ins(vf="2024-01-01", vt="2024-12-31") + _ins()
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 1
    assert "line 3: card number DN4010123456789: the same card is on line 2" in result.stderr


def test_insurance_import_and_rerun(runner, session, tmp_path, facilities, frozen_clock):
    text = INS_HEADER + _ins(obj="HS", vf="2023-09-01", vt="2024-08-31") + _ins(five="2020-01-01", area="k1") + \
        _ins(bhxh="7937368040", cccd="", name="Trần Thị Bích", dob="2003-07-14", gender="female", obj="HT",
             level="3", prov="79", fac="79011", status="revoked")
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 0, result.stderr
    assert "imported 3 insurance rows, 2 persons, 3 cards" in result.output
    an = session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == "0123456789"))
    assert an.cccd == "001095012345" and an.full_name == "Nguyễn Văn An"
    old, new = session.scalars(select(Card).where(Card.person_id == an.id).order_by(Card.valid_from)).all()
    assert (old.card_number, new.card_number) == ("HS4010123456789", "DN4010123456789")
    assert new.area_code == "K1" and new.five_year_date == date(2020, 1, 1) and new.status_changed_at is None
    assert new.issuing_agency == "BHXH thành phố Hà Nội" or new.issuing_agency.startswith("BHXH")
    bich = session.scalar(select(Card).where(Card.card_number == "HT3797937368040"))
    assert bich.status == "revoked" and bich.status_changed_at == frozen_clock()

    # Re-run: An's record got linked meanwhile (carries the CCCD); the export now lacks it.
    an.account_id = factories.account(session).id
    session.commit()
    frozen_clock.advance(hours=1)
    text = INS_HEADER + _ins(cccd="", name="Nguyễn Văn  An", status="reported_decreased") + \
        _ins(bhxh="7937368040", cccd="", name="Trần Thị Bích", dob="2003-07-14", gender="female", obj="HT",
             level="3", prov="79", fac="79011", status="revoked")
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 0, result.stderr
    session.expire_all()
    assert _count(session, InsuredPerson) == 2 and _count(session, Card) == 3
    an = session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == "0123456789"))
    assert an.cccd == "001095012345" and an.account_id is not None
    new = session.scalar(select(Card).where(Card.card_number == "DN4010123456789"))
    # No reason in the file: none stored, so a clinic answers 120 (card_codes.decided_code), not 124.
    assert new.status == "reported_decreased" and new.status_reason is None
    assert new.status_changed_at == frozen_clock()
    bich = session.scalar(select(Card).where(Card.card_number == "HT3797937368040"))
    assert bich.status_changed_at == frozen_clock() - timedelta(hours=1)  # unchanged status keeps its time


@pytest.mark.parametrize("row, message", [
    (_ins(bhxh="012345678"), "bhxh_code: Mã số BHXH phải gồm đúng 10 chữ số"),
    (_ins(cccd="001195012345"), "cccd: Chữ số thứ 4"),
    (_ins(obj="XX"), "object_code: 'XX' is not a known object code"),
    (_ins(level="6"), "benefit_level: '6' is not 1 to 5"),
    (_ins(prov="00"), "province_code: '00' is not a province code"),
    (_ins(area="K4"), "area_code: 'K4'"),
    (_ins(fac="1001"), "facility_code: '1001' is not a 5-digit facility code"),
    (_ins(fac="48001"), "facility_code: 48001 is not in the facilities table"),
    (_ins(vf="2025-31-01"), "valid_from: '2025-31-01' is not a date"),
    (_ins(vf="2026-01-01"), "valid_to: before valid_from"),
    (_ins(five="soon"), "five_year_date: 'soon' is not a date"),
    (_ins(status="expired"), "status: 'expired' is not one of"),
    (_ins(gender="x"), "gender: 'x' is not male or female"),
])
def test_insurance_bad_field(runner, session, tmp_path, facilities, row, message):
    text = INS_HEADER + _ins(bhxh="7937368040", cccd="", name="Bích", dob="2003-07-14", gender="female") + row
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 1
    assert f"line 3: {message}" in result.stderr, result.stderr
    assert _count(session, InsuredPerson) == 0 and _count(session, Card) == 0


def test_insurance_cross_row_faults(runner, session, tmp_path, facilities):
    text = INS_HEADER + _ins() + \
        _ins(name="Nguyễn Văn Ân", obj="HS", vf="2024-01-01", vt="2024-12-31") + \
        _ins(bhxh="7937368040", obj="HS") + \
        _ins(obj="GD") + \
        _ins(bhxh="1111111111", cccd="", obj="TE", level="1", vf="2024-01-01")
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 1
    err = result.stderr
    assert "line 3: full_name: differs from line 2 of the same bhxh_code" in err
    assert "line 4: cccd: the same CCCD is on line 2 with another bhxh_code" in err
    assert "line 5: valid_from: another card of this bhxh_code starts the same day (line 2)" in err
    assert "line 6" not in err  # another person's card may start the same day


def test_insurance_decrease_reason(runner, session, tmp_path, facilities):
    header = INS_HEADER.strip() + ",status_reason\n"
    bad = _ins(status="reported_decreased").strip() + ",fired\n"
    result = _run(runner, tmp_path, "insurance", header + bad)
    assert result.exit_code == 1 and "status_reason: 'fired'" in result.stderr
    good = _ins(status="reported_decreased").strip() + ",transfer_out_of_province\n"
    assert _run(runner, tmp_path, "insurance", header + good).exit_code == 0
    assert session.scalar(select(Card)).status_reason == "transfer_out_of_province"


def test_insurance_cccd_on_another_record_in_db(runner, session, tmp_path, facilities):
    factories.person(session, bhxh_code="7937368040", cccd="001095012345")
    result = _run(runner, tmp_path, "insurance", INS_HEADER + _ins())
    assert result.exit_code == 1
    assert "line 2: cccd: already on the insurance record ******8040" in result.stderr


def test_insurance_linked_record_with_other_cccd(runner, session, tmp_path, facilities):
    p = factories.person(session, cccd="001095099999")
    p.account_id = factories.account(session).id
    session.commit()
    result = _run(runner, tmp_path, "insurance", INS_HEADER + _ins())
    assert result.exit_code == 1
    assert "line 2: cccd: this record is linked to an app account with another CCCD" in result.stderr
