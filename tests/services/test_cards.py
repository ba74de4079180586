"""Card status and QR expiry rules, on plain objects (no database)."""
from datetime import date, datetime, timezone

import pytest

from models import Card, InsuredPerson
from services.birth_dates import BirthDate
from services.card_checks import parse_clinic_body, parse_gateway_date, parse_iso_date
from services.cards import CardRow, end_of_validity, qr_claims, status_on


def card(**kw) -> Card:
    base = dict(id="c1", card_number="DN4010123456789", object_code="DN", benefit_level=4, province_code="01",
                facility_code="01001", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), status="active")
    return Card(**{**base, **kw})


@pytest.mark.parametrize("kw,day,expected", [
    ({}, date(2026, 12, 31), "active"),
    ({}, date(2027, 1, 1), "expired"),
    ({"status": "revoked"}, date(2026, 6, 1), "revoked"),
    ({"status": "revoked"}, date(2027, 6, 1), "revoked"),
    ({"status": "reported_decreased"}, date(2026, 6, 1), "reported_decreased"),
])
def test_status_on(kw, day, expected):
    assert status_on(card(**kw), day) == expected


def test_end_of_validity_is_midnight_in_vietnam():
    assert end_of_validity(date(2026, 12, 31)) == datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("now,valid_to,exp", [
    (datetime(2026, 6, 1, tzinfo=timezone.utc), date(2026, 12, 31), datetime(2026, 7, 1, tzinfo=timezone.utc)),
    (datetime(2026, 12, 20, tzinfo=timezone.utc), date(2026, 12, 31), datetime(2026, 12, 31, 17, tzinfo=timezone.utc)),
])
def test_qr_exp_is_the_earlier_of_30_days_and_the_card_end(now, valid_to, exp):
    person = InsuredPerson(full_name="A", date_of_birth=date(1995, 3, 5), gender="male", cccd="001095000001")
    claims = qr_claims(CardRow(card(valid_to=valid_to), person, None), now)
    assert claims["exp"] == int(exp.timestamp()) and claims["exp"] - claims["iat"] <= 30 * 86400
    assert "001095000001" not in str(claims)


@pytest.mark.parametrize("text,expected", [("05/03/1995", BirthDate(1995, 3, 5)), ("05031995", BirthDate(1995, 3, 5)),
                                           ("5/3/1995", None), ("1995", BirthDate(1995)),
                                           ("03/1995", BirthDate(1995, 3)),
                                           ("30/02/2000", None), ("95", None), ("3/1995", None),
                                           ("\u0661\u0669\u0669\u0665", None), (None, None), (5031995, None)])
def test_gateway_dates(text, expected):
    assert parse_gateway_date(text) == expected


@pytest.mark.parametrize("text,expected", [("1995-03-05", BirthDate(1995, 3, 5)), ("1995-03", BirthDate(1995, 3)),
                                           ("1995", BirthDate(1995)), ("1995-3-5", None), ("1958-4", None),
                                           ("1958-02-30", None), ("58", None), ("", None)])
def test_iso_dates(text, expected):
    assert parse_iso_date(text) == expected


def test_clinic_body_shapes():
    assert parse_clinic_body({"qr": "a.b.c", "staff_cccd": "001095012345", "staff_name": "X"}).invalid == []
    assert parse_clinic_body({"qr": "a.b.c", "identifier": "x", "staff_cccd": "001095012345",
                              "staff_name": "X"}).invalid == ["identifier"]
    assert parse_clinic_body(None).invalid == ["_body"]
