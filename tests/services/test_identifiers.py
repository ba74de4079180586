"""Identifier rules of reference/domain.md §1, table-driven with the §8 test data."""
from __future__ import annotations

from datetime import date

import pytest

from services.identifiers import (
    PROVINCES,
    card_number,
    century_sex_digit,
    check_bhxh,
    check_card_number,
    check_cccd,
    normalize_identifier,
    normalize_phone,
)
from services.names import initials, same_name


@pytest.mark.parametrize("cccd, dob, gender", [
    ("001095012345", date(1995, 3, 5), "male"),
    ("079203004567", date(2003, 7, 14), "male"),      # §8 calls it female: digit 4 = 2 is male (docs/linking.md)
    ("079303004567", date(2003, 7, 14), "female"),
    ("038180000123", date(1980, 11, 20), "female"),   # §8 calls it male: digit 4 = 1 is female
    ("002190000001", date(1990, 1, 1), "female"),     # Hà Giang: a pre-merger code stays valid
    ("096000000001", date(1900, 1, 1), "male"),
    ("001499000001", date(2199, 1, 1), "male"),        # 22nd century: 4 / 5
    ("097090000001", None, None),                      # shape and province only
])
def test_valid_cccd(cccd, dob, gender):
    assert check_cccd(cccd, dob, gender) == []


@pytest.mark.parametrize("cccd, dob, gender, fragment", [
    ("", None, None, "12 chữ số"),
    ("00109501234", None, None, "12 chữ số"),
    ("0010950123456", None, None, "12 chữ số"),
    ("00109501234X", None, None, "12 chữ số"),
    ("00109501234５", None, None, "12 chữ số"),        # full-width digit
    ("100095012345", None, None, "Mã tỉnh 100"),       # §8 invalid sample
    ("003095012345", None, None, "Mã tỉnh 003"),
    ("099095012345", None, None, "Mã tỉnh 099"),
    ("001195012345", date(1995, 3, 5), "male", "Chữ số thứ 4"),  # §8: female 1900s vs male record
    ("001095012345", date(1995, 3, 5), "female", "Chữ số thứ 4"),
    ("001095012345", date(2095, 3, 5), "male", "Chữ số thứ 4"),
    ("001094012345", date(1995, 3, 5), "male", "Chữ số 5-6"),
])
def test_invalid_cccd(cccd, dob, gender, fragment):
    problems = check_cccd(cccd, dob, gender)
    assert any(fragment in p for p in problems), problems


def test_century_digit_table():
    assert [century_sex_digit(y, g) for y in (1950, 2050, 2150, 2250, 2350) for g in ("male", "female")] == \
        list(range(10))


def test_provinces_are_the_union():
    assert len(PROVINCES) == 63 + 2 and {"97", "98", "02", "24", "79"} <= PROVINCES
    assert "00" not in PROVINCES and "99" not in PROVINCES


@pytest.mark.parametrize("code, ok", [("0123456789", True), ("7937368040", True), ("012345678", False),
                                      ("01234567890", False), ("012345678a", False), ("", False)])
def test_bhxh(code, ok):
    assert (check_bhxh(code) == []) is ok


@pytest.mark.parametrize("number, fragment", [
    ("DN4010123456789", None), ("HT3790123456780", None), ("TE1480123456781", None), ("QN5970123456782", None),
    ("DN6010123456789", "Mã quyền lợi"), ("XX4010123456789", "Mã đối tượng XX"),
    ("DN4000123456789", "Mã tỉnh cấp thẻ"), ("DN401012345678", "2 chữ cái và 13 chữ số"),
    ("dn4010123456789", "2 chữ cái và 13 chữ số"),
])
def test_card_number(number, fragment):
    problems = check_card_number(number)
    assert (problems == []) if fragment is None else any(fragment in p for p in problems), problems


def test_card_number_is_the_four_boxes():
    assert card_number("DN", 4, "01", "0123456789") == "DN4010123456789"
    assert normalize_identifier(" hc4-01-0123456789 ") == "HC4010123456789"


@pytest.mark.parametrize("raw, e164", [
    ("0912345678", "+84912345678"), ("+84912345678", "+84912345678"), ("84912345678", "+84912345678"),
    ("091 234 5678", "+84912345678"), ("0312345678", "+84312345678"), ("0212345678", None),
    ("091234567", None), ("+1 912345678", None), ("", None),
])
def test_phone(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("a, b, same", [
    ("Nguyễn Văn An", "nguyễn văn an", True),
    ("Nguyễn  Văn\tAn ", "Nguyễn Văn An", True),
    ("Nguye\u0302\u0303n Văn An", "Nguyễn Văn An", True),   # NFD input equals NFC
    ("Nguyễn Văn An", "Nguyen Van An", False),             # diacritics are significant
    ("Nguyễn Văn An", "Nguyễn Văn Ân", False),
])
def test_same_name(a, b, same):
    assert same_name(a, b) is same


def test_initials():
    assert initials("Đặng Thị Hạnh") == "dth"


@pytest.mark.parametrize("value, check", [
    ("001095012345\n", check_cccd), ("0123456789\n", check_bhxh), ("DN4010123456789\n", check_card_number),
])
def test_trailing_newline_is_refused(value, check):
    assert check(value) != []
