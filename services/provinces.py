"""Province names for the "issuing agency" line of a card (reference/domain.md §6).

Codes keep their meaning on old cards; from 01/07/2025 the 34 post-merger codes name the merged
provinces (e.g. 24 was Bắc Giang, is now Bắc Ninh). Codes retired by the merger keep their old name.
"""
from __future__ import annotations

from datetime import date

MERGER_DATE = date(2025, 7, 1)

# (kind, name): kind "thành phố" for centrally-run cities, "tỉnh" otherwise.
OLD_NAMES: dict[str, tuple[str, str]] = {
    "01": ("thành phố", "Hà Nội"), "02": ("tỉnh", "Hà Giang"), "04": ("tỉnh", "Cao Bằng"),
    "06": ("tỉnh", "Bắc Kạn"), "08": ("tỉnh", "Tuyên Quang"), "10": ("tỉnh", "Lào Cai"),
    "11": ("tỉnh", "Điện Biên"), "12": ("tỉnh", "Lai Châu"), "14": ("tỉnh", "Sơn La"),
    "15": ("tỉnh", "Yên Bái"), "17": ("tỉnh", "Hoà Bình"), "19": ("tỉnh", "Thái Nguyên"),
    "20": ("tỉnh", "Lạng Sơn"), "22": ("tỉnh", "Quảng Ninh"), "24": ("tỉnh", "Bắc Giang"),
    "25": ("tỉnh", "Phú Thọ"), "26": ("tỉnh", "Vĩnh Phúc"), "27": ("tỉnh", "Bắc Ninh"),
    "30": ("tỉnh", "Hải Dương"), "31": ("thành phố", "Hải Phòng"), "33": ("tỉnh", "Hưng Yên"),
    "34": ("tỉnh", "Thái Bình"), "35": ("tỉnh", "Hà Nam"), "36": ("tỉnh", "Nam Định"),
    "37": ("tỉnh", "Ninh Bình"), "38": ("tỉnh", "Thanh Hóa"), "40": ("tỉnh", "Nghệ An"),
    "42": ("tỉnh", "Hà Tĩnh"), "44": ("tỉnh", "Quảng Bình"), "45": ("tỉnh", "Quảng Trị"),
    "46": ("tỉnh", "Thừa Thiên Huế"), "48": ("thành phố", "Đà Nẵng"), "49": ("tỉnh", "Quảng Nam"),
    "51": ("tỉnh", "Quảng Ngãi"), "52": ("tỉnh", "Bình Định"), "54": ("tỉnh", "Phú Yên"),
    "56": ("tỉnh", "Khánh Hòa"), "58": ("tỉnh", "Ninh Thuận"), "60": ("tỉnh", "Bình Thuận"),
    "62": ("tỉnh", "Kon Tum"), "64": ("tỉnh", "Gia Lai"), "66": ("tỉnh", "Đắk Lắk"),
    "67": ("tỉnh", "Đắk Nông"), "68": ("tỉnh", "Lâm Đồng"), "70": ("tỉnh", "Bình Phước"),
    "72": ("tỉnh", "Tây Ninh"), "74": ("tỉnh", "Bình Dương"), "75": ("tỉnh", "Đồng Nai"),
    "77": ("tỉnh", "Bà Rịa - Vũng Tàu"), "79": ("Thành phố", "Hồ Chí Minh"), "80": ("tỉnh", "Long An"),
    "82": ("tỉnh", "Tiền Giang"), "83": ("tỉnh", "Bến Tre"), "84": ("tỉnh", "Trà Vinh"),
    "86": ("tỉnh", "Vĩnh Long"), "87": ("tỉnh", "Đồng Tháp"), "89": ("tỉnh", "An Giang"),
    "91": ("tỉnh", "Kiên Giang"), "92": ("thành phố", "Cần Thơ"), "93": ("tỉnh", "Hậu Giang"),
    "94": ("tỉnh", "Sóc Trăng"), "95": ("tỉnh", "Bạc Liêu"), "96": ("tỉnh", "Cà Mau"),
}

NEW_NAMES: dict[str, tuple[str, str]] = {
    "01": ("thành phố", "Hà Nội"), "04": ("tỉnh", "Cao Bằng"), "08": ("tỉnh", "Tuyên Quang"),
    "11": ("tỉnh", "Điện Biên"), "12": ("tỉnh", "Lai Châu"), "14": ("tỉnh", "Sơn La"),
    "15": ("tỉnh", "Lào Cai"), "19": ("tỉnh", "Thái Nguyên"), "20": ("tỉnh", "Lạng Sơn"),
    "22": ("tỉnh", "Quảng Ninh"), "24": ("tỉnh", "Bắc Ninh"), "25": ("tỉnh", "Phú Thọ"),
    "31": ("thành phố", "Hải Phòng"), "33": ("tỉnh", "Hưng Yên"), "37": ("tỉnh", "Ninh Bình"),
    "38": ("tỉnh", "Thanh Hóa"), "40": ("tỉnh", "Nghệ An"), "42": ("tỉnh", "Hà Tĩnh"),
    "44": ("tỉnh", "Quảng Trị"), "46": ("thành phố", "Huế"), "48": ("thành phố", "Đà Nẵng"),
    "51": ("tỉnh", "Quảng Ngãi"), "52": ("tỉnh", "Gia Lai"), "56": ("tỉnh", "Khánh Hòa"),
    "66": ("tỉnh", "Đắk Lắk"), "68": ("tỉnh", "Lâm Đồng"), "75": ("tỉnh", "Đồng Nai"),
    "79": ("Thành phố", "Hồ Chí Minh"), "80": ("tỉnh", "Tây Ninh"), "82": ("tỉnh", "Đồng Tháp"),
    "86": ("tỉnh", "Vĩnh Long"), "91": ("tỉnh", "An Giang"), "92": ("thành phố", "Cần Thơ"),
    "96": ("tỉnh", "Cà Mau"),
}

# The armed forces' own social-insurance agencies (facility codes 97/98).
SPECIAL_AGENCIES = {"97": "BHXH Bộ Quốc phòng", "98": "BHXH Công an nhân dân"}


def _entry(code: str, on: date) -> tuple[str, str] | None:
    if on >= MERGER_DATE and code in NEW_NAMES:
        return NEW_NAMES[code]
    return OLD_NAMES.get(code)


def name(code: str, on: date) -> str | None:
    """`"24"` -> `"Bắc Ninh"` on or after 01/07/2025, `"Bắc Giang"` before; None when unknown."""
    entry = _entry(code, on)
    return entry[1] if entry else None


def issuing_agency(code: str, on: date) -> str:
    """`"01"` -> `"BHXH thành phố Hà Nội"`; `"24"` -> `"BHXH tỉnh Bắc Ninh"` (after the merger)."""
    if code in SPECIAL_AGENCIES:
        return SPECIAL_AGENCIES[code]
    entry = _entry(code, on)
    return f"BHXH {entry[0]} {entry[1]}" if entry else f"BHXH mã tỉnh {code}"
