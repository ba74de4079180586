"""Identifier rules from reference/domain.md §1 and §6: CCCD, BHXH code, card number, phone.

Each `check_*` returns a list of human-readable problems (empty when valid), so API schemas and
importers can report every problem of a field at once.
"""
from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.birth_dates import BirthDate

# 63 pre-merger codes, 34 post-merger codes (a subset of the same numbers), plus 97/98 (BQP/BCA).
OLD_PROVINCES = {
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25",
    "26", "27", "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48",
    "49", "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75",
    "77", "79", "80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96",
}
NEW_PROVINCES = {
    "01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25", "31", "33", "37", "38",
    "40", "42", "44", "46", "48", "51", "52", "56", "66", "68", "75", "79", "80", "82", "86", "91",
    "92", "96",
}
PROVINCES = OLD_PROVINCES | NEW_PROVINCES | {"97", "98"}

# Object code -> benefit level (QĐ 1351 as in domain.md §1.3; configurable in spirit, a table here).
OBJECT_LEVELS: dict[str, int] = {
    **dict.fromkeys(["CC", "TE"], 1),
    **dict.fromkeys(["CK", "CB", "KC", "HN", "DT", "DK", "XD", "BT", "TS", "CT"], 2),
    **dict.fromkeys(["HT", "TC", "CN"], 3),
    **dict.fromkeys(["DN", "HX", "CH", "NN", "TK", "HC", "XK", "TB", "NO", "XB", "TN", "CS", "XN", "MS",
                     "HD", "TQ", "TA", "TY", "HG", "LS", "HS", "SV", "GB", "GD", "PV"], 4),
    **dict.fromkeys(["QN", "CA", "CY"], 5),
}
# Codes seen in 2024–2026 rule engines whose level is not published (domain.md §1.3): known, not mapped.
EXTRA_OBJECT_CODES = {"AK", "LH", "TG", "DS", "HK", "ND", "TH", "TV", "TD", "TU", "BA"}
OBJECT_CODES = set(OBJECT_LEVELS) | EXTRA_OBJECT_CODES
BENEFIT_RATES = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}

# ASCII digits only (`\d` would take "０１２" too) and `\Z`, not `$` (which lets a trailing newline through).
CCCD_RE = re.compile(r"^\d{12}\Z", re.ASCII)
BHXH_RE = re.compile(r"^\d{10}\Z", re.ASCII)
# The card number (the contract's `^[A-Z]{2}[1-5]\d{2}\d{10}$`); CARD_SHAPE_RE is the looser shape a
# clinic check reads first, so that a wrong benefit level answers 053 rather than 051.
CARD_RE = re.compile(r"^[A-Z]{2}[1-5]\d{2}\d{10}\Z", re.ASCII)
FACILITY_RE = re.compile(r"^\d{5}\Z", re.ASCII)
UNIT_RE = re.compile(r"^[A-Z0-9]{7}\Z", re.ASCII)
CARD_SHAPE_RE = re.compile(r"^[A-Z]{2}\d{13}\Z", re.ASCII)
_PHONE_RE = re.compile(r"^(?:\+?84|0)([35789]\d{8})\Z", re.ASCII)
GENDERS = ("male", "female")


def century_sex_digit(year: int, gender: str) -> int:
    """Digit 4 of a CCCD: 0/1 for 1900s male/female, 2/3 for 2000s, ... (domain.md §1.1)."""
    return (year // 100 - 19) * 2 + (1 if gender == "female" else 0)


def check_cccd(cccd: str, date_of_birth: date | BirthDate | None = None, gender: str | None = None) -> list[str]:
    """Only the birth year is checked (digits 4-6), so a partial birth date is enough."""
    if not CCCD_RE.match(cccd or ""):
        return ["Số CCCD phải gồm đúng 12 chữ số (CCCD must be exactly 12 digits)."]
    problems = []
    if cccd[1:3] not in PROVINCES or cccd[0] != "0":
        problems.append(f"Mã tỉnh {cccd[:3]} không hợp lệ (unknown province code in digits 1-3).")
    if date_of_birth is not None and gender in GENDERS:
        if int(cccd[3]) != century_sex_digit(date_of_birth.year, gender):
            problems.append("Chữ số thứ 4 không khớp giới tính và thế kỷ sinh (digit 4 does not match gender and birth century).")
        if cccd[4:6] != f"{date_of_birth.year % 100:02d}":
            problems.append("Chữ số 5-6 không khớp năm sinh (digits 5-6 do not match the birth year).")
    return problems


def check_bhxh(code: str) -> list[str]:
    return [] if BHXH_RE.match(code or "") else ["Mã số BHXH phải gồm đúng 10 chữ số (BHXH code must be 10 digits)."]


def check_card_number(number: str) -> list[str]:
    """Card-number problems, most specific first: 051 shape/object, 052 province, 053 benefit."""
    if not CARD_SHAPE_RE.match(number or ""):
        return ["Mã thẻ BHYT phải gồm 2 chữ cái và 13 chữ số (card number is 2 letters + 13 digits)."]
    problems = []
    if number[:2] not in OBJECT_CODES:
        problems.append(f"Mã đối tượng {number[:2]} không hợp lệ (unknown object code).")
    if number[2] not in "12345":
        problems.append("Mã quyền lợi (ký tự thứ 3) phải từ 1 đến 5 (benefit level must be 1-5).")
    if number[3:5] not in PROVINCES:
        problems.append("Mã tỉnh cấp thẻ (ký tự thứ 4,5) không hợp lệ (unknown province code).")
    return problems


def card_number(object_code: str, benefit_level: int, province_code: str, bhxh_code: str) -> str:
    return f"{object_code}{benefit_level}{province_code}{bhxh_code}"


def normalize_identifier(raw: str) -> str:
    """Spaces and dashes are ignored; letters upper-cased (HIS tools send `HC4-01-…`)."""
    return re.sub(r"[\s-]", "", raw or "").upper()


def normalize_phone(raw: str) -> str | None:
    """`09xxxxxxxx`, `+849xxxxxxxx`, `849xxxxxxxx` -> `+849xxxxxxxx`; None when not a VN mobile."""
    found = _PHONE_RE.match(re.sub(r"[\s.-]", "", raw or ""))
    return f"+84{found.group(1)}" if found else None
