from __future__ import annotations

from datetime import date

import pytest

from services.birth_dates import BirthDate, Precision


@pytest.mark.parametrize(("text", "expected"), [
    ("1958-04-12", BirthDate(1958, 4, 12)), ("1958-04", BirthDate(1958, 4)), ("1958", BirthDate(1958)),
])
def test_iso_shapes(text: str, expected: BirthDate) -> None:
    assert BirthDate.parse_iso(text) == expected
    assert expected.iso() == text


@pytest.mark.parametrize(("text", "expected"), [
    ("12/04/1958", BirthDate(1958, 4, 12)), ("04/1958", BirthDate(1958, 4)), ("1958", BirthDate(1958)),
    ("12041958", BirthDate(1958, 4, 12)),
])
def test_gateway_shapes(text: str, expected: BirthDate) -> None:
    assert BirthDate.parse_gateway(text) == expected


def test_gateway_answers_in_the_precision_held() -> None:
    assert [BirthDate(1958, 4, 12).gateway(), BirthDate(1958, 4).gateway(), BirthDate(1958).gateway()] == [
        "12/04/1958", "04/1958", "1958"]


@pytest.mark.parametrize(("text", "expected"), [
    ("12041958", BirthDate(1958, 4, 12)), ("041958", BirthDate(1958, 4)), ("1958", BirthDate(1958)),
])
def test_chip_cccd_qr_shapes(text: str, expected: BirthDate) -> None:
    assert BirthDate.parse_compact(text) == expected


@pytest.mark.parametrize("text", ["", "58", "1958-4-12", "1958-02-30", "1958-13", "31/02/1958", "1899",
                                  "12/4/1958", "1958-04-12T00:00", "١٩٥٨"])
def test_impossible_or_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        BirthDate.parse_iso(text) if "-" in text or not text.isdigit() else BirthDate.parse_gateway(text)


def test_comparison_uses_only_the_parts_both_sides_know() -> None:
    record = BirthDate(1958, 4, 12)
    assert record.matches(BirthDate(1958)) and BirthDate(1958).matches(record)
    assert record.matches(BirthDate(1958, 4))
    assert not record.matches(BirthDate(1958, 5))
    assert not record.matches(BirthDate(1959))
    assert not record.matches(BirthDate(1958, 4, 13))
    assert BirthDate(1958).matches(BirthDate(1958, 7, 1))


def test_storage_round_trip_keeps_the_precision() -> None:
    for value in (BirthDate(1958, 4, 12), BirthDate(1958, 4), BirthDate(1958)):
        assert BirthDate.stored(value.as_date, value.precision) == value
    assert BirthDate.stored(date(1990, 1, 1), None) == BirthDate(1990, 1, 1)
    assert BirthDate(1958).precision is Precision.YEAR and BirthDate(1958).as_date == date(1958, 1, 1)


def test_age_counts_unknown_parts_as_the_earliest() -> None:
    assert BirthDate(2008).age_on(date(2026, 1, 1)) == 18
    assert BirthDate(2008, 6, 2).age_on(date(2026, 6, 1)) == 17


@pytest.mark.parametrize("text", ["1958-00", "1958-04-00", "1958-00-12", "1958-13"])
def test_a_zero_or_impossible_part_is_not_unknown(text: str) -> None:
    with pytest.raises(ValueError):
        BirthDate.parse_iso(text)


@pytest.mark.parametrize("text", ["00/1958", "00/04/1958", "00041958", "001958"])
def test_a_zero_part_is_refused_in_the_gateway_shapes(text: str) -> None:
    with pytest.raises(ValueError):
        BirthDate.parse_gateway(text)


def test_the_two_columns_round_trip() -> None:
    from types import SimpleNamespace

    from services.birth_dates import of_record, stored_columns

    for born in (BirthDate(1958, 4, 12), BirthDate(1958, 4), BirthDate(1958)):
        cols = stored_columns(born, "registry_")
        assert of_record(cols, "registry_") == born  # a dict of columns
        assert of_record(SimpleNamespace(**stored_columns(born))) == born  # a row
    assert of_record({"date_of_birth": date(1958, 4, 12)}) == BirthDate(1958, 4, 12)  # rows from before: a day


@pytest.mark.parametrize(("a", "b", "finer"), [
    (BirthDate(1958, 4, 12), BirthDate(1958), BirthDate(1958, 4, 12)),
    (BirthDate(1958), BirthDate(1958, 4, 12), BirthDate(1958, 4, 12)),
    (BirthDate(1958, 4), BirthDate(1958, 5), BirthDate(1958, 5)),  # they disagree: the other one
])
def test_finer(a: BirthDate, b: BirthDate, finer: BirthDate) -> None:
    assert a.finer(b) == finer
