"""Báo tăng rows with partial birth dates (JSON and CSV): stored in the precision given, matched
against the registry on the parts both know; ill-formed dates reject the row on its field."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import InsuredPerson
from services.birth_dates import BirthDate, of_record
from tests import factories

from .helpers import enroll, person_row, to_csv


def _row(dob: str, cccd: str = "001058000101") -> dict:
    return person_row(0, cccd=cccd, full_name="Lê Văn Bảy", gender="male", date_of_birth=dob)


@pytest.mark.parametrize("csv_body", [False, True], ids=["json", "csv"])
@pytest.mark.parametrize(("registry", "given", "stored"), [
    (BirthDate(1958), "1958", BirthDate(1958)),
    (BirthDate(1958, 4), "1958-04", BirthDate(1958, 4)),
    (BirthDate(1958, 4, 12), "1958", BirthDate(1958)),           # the row gives less: compared on what it gives
    (BirthDate(1958), "1958-04-12", BirthDate(1958, 4, 12)),     # the registry knows only the year
])
def test_partial_dates_enroll_in_the_precision_given(client, session, employer, registry, given, stored, csv_body):
    _, headers = employer
    factories.registry_record(session, cccd="001058000101", full_name="Lê Văn Bảy", date_of_birth=registry)
    row = _row(given)
    resp = enroll(client, headers, to_csv([row]) if csv_body else [row], csv_body=csv_body)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["status"] == "enrolled", resp.get_json()
    person = session.scalars(select(InsuredPerson)).one()
    assert of_record(person) == stored


def test_a_known_part_that_differs_is_registry_mismatch(client, session, employer):
    _, headers = employer
    factories.registry_record(session, cccd="001058000101", full_name="Lê Văn Bảy", date_of_birth=BirthDate(1958, 4))
    answer = enroll(client, headers, [_row("1958-05")]).get_json()
    assert answer["results"][0]["code"] == "registry_mismatch"


@pytest.mark.parametrize("given", ["1958-02-30", "58", "1958-4", "\u0661\u0669\u0665\u0668", "12/04/1958", "1958-00",
                                   "1899", "2999", 1958])
def test_bad_shapes_reject_the_row_on_its_field(client, session, employer, given):
    _, headers = employer
    res = enroll(client, headers, [_row(given)]).get_json()["results"][0]
    assert res["status"] == "rejected" and res["code"] == "validation_error"
    assert set(res["errors"]) == {"date_of_birth"}, res["errors"]
    assert session.scalars(select(InsuredPerson)).first() is None


def test_the_cccd_is_checked_on_the_year_only(client, session, employer):
    _, headers = employer
    res = enroll(client, headers, [_row("1959")]).get_json()["results"][0]
    assert res["status"] == "rejected" and set(res["errors"]) == {"cccd"}
