"""The CSV imports with partial birth dates: each shape stored in its precision, a re-run that
changes the precision replaces it, and ill-formed dates refuse the whole file by line."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import InsuredPerson, RegistryRecord
from services.birth_dates import BirthDate, of_record
from tests import factories
from tests.cli.test_imports import INS_HEADER, REG_HEADER, _ins, _run

SHAPES = [("1958-04-12", BirthDate(1958, 4, 12)), ("1958-04", BirthDate(1958, 4)), ("1958", BirthDate(1958)),
          ("12/04/1958", BirthDate(1958, 4, 12)), ("04/1958", BirthDate(1958, 4))]
BAD = ["1958-02-30", "58", "1958-4", "\u0661\u0669\u0665\u0668", "1958-00", "1899", "2999", "4/1958", "12041958"]


@pytest.mark.parametrize(("text", "stored"), SHAPES)
def test_registry_rows_in_each_shape(runner, session, tmp_path, text, stored):
    result = _run(runner, tmp_path, "registry", REG_HEADER + f"001058000101,Lê Văn Bảy,{text},male,\n")
    assert result.exit_code == 0, result.output
    assert of_record(session.get(RegistryRecord, "001058000101")) == stored


def test_registry_rerun_replaces_the_precision(runner, session, tmp_path):
    assert _run(runner, tmp_path, "registry", REG_HEADER + "001058000101,Lê Văn Bảy,1958,male,\n").exit_code == 0
    assert _run(runner, tmp_path, "registry", REG_HEADER + "001058000101,Lê Văn Bảy,1958-04-12,male,\n").exit_code == 0
    session.expire_all()
    assert of_record(session.get(RegistryRecord, "001058000101")) == BirthDate(1958, 4, 12)


@pytest.mark.parametrize("text", BAD)
def test_registry_bad_dates_refuse_the_file(runner, session, tmp_path, text):
    rows = "001095012345,Nguyễn Văn An,1995,male,\n" + f"001058000101,Lê Văn Bảy,{text},male,\n"
    result = _run(runner, tmp_path, "registry", REG_HEADER + rows)
    assert result.exit_code == 1
    assert "line 3: date_of_birth" in result.stderr, result.stderr
    assert session.scalar(select(func.count()).select_from(RegistryRecord)) == 0


@pytest.mark.parametrize(("text", "stored"), SHAPES)
def test_insurance_rows_in_each_shape_and_rerun(runner, session, tmp_path, text, stored):
    factories.facility(session, "01001")
    row = _ins(bhxh="0100000099", cccd="001058000101", name="Lê Văn Bảy", dob=text)
    assert _run(runner, tmp_path, "insurance", INS_HEADER + row).exit_code == 0
    assert of_record(session.scalars(select(InsuredPerson)).one()) == stored
    again = _ins(bhxh="0100000099", cccd="001058000101", name="Lê Văn Bảy", dob="1958")
    assert _run(runner, tmp_path, "insurance", INS_HEADER + again).exit_code == 0
    session.expire_all()
    assert of_record(session.scalars(select(InsuredPerson)).one()) == BirthDate(1958)


def test_insurance_rows_of_one_code_must_agree_on_the_precision(runner, session, tmp_path):
    factories.facility(session, "01001")
    text = INS_HEADER + _ins(cccd="", dob="1995", vf="2024-01-01", vt="2024-12-31") + _ins(cccd="", dob="1995-03-05")
    result = _run(runner, tmp_path, "insurance", text)
    assert result.exit_code == 1 and "line 3: date_of_birth: differs from line 2" in result.stderr, result.stderr


@pytest.mark.parametrize("text", BAD)
def test_insurance_bad_dates_refuse_the_file(runner, session, tmp_path, text):
    factories.facility(session, "01001")
    result = _run(runner, tmp_path, "insurance", INS_HEADER + _ins(cccd="", dob=text))
    assert result.exit_code == 1 and "line 2: date_of_birth" in result.stderr, result.stderr
    assert session.scalar(select(func.count()).select_from(InsuredPerson)) == 0
