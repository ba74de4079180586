"""What a barcode scanner types at the clinic desk (CONTRACT §5a), reduced to a card check's input.

Three kinds are read; anything else is a 205:

- `cccd_qr`, the chip CCCD: `CCCD|CMND|Họ tên|ddMMyyyy|Giới tính|Địa chỉ|ngày cấp`, 7 fields, CMND
  may be empty, the birth date also `MMyyyy` or `yyyy`: the check uses CCCD, name, birth date;
- `legacy_card_qr`, the old BHYT card (QĐ 1313): `|`-separated, ending in `$`; field 0 the card
  number, 1 the name (hex of UTF-8), 2 the birth date (`dd/MM/yyyy`, `ddMMyyyy` or `yyyy`), then
  sex, address (hex), ...: the check uses card number, name, birth date;
- `signed_qr`, this project's signed card QR (a compact JWS): checked as `qr`.

Scanners end the text with CR, LF or a tab: surrounding white space is dropped. Nothing here
reads the database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from services.birth_dates import BirthDate
from services.card_check_input import MAX_NAME, CheckInput, _staff_cccd, _text, parse_clinic_body
from services.identifiers import CARD_SHAPE_RE, CCCD_RE

MAX_SCAN = 4096
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z", re.ASCII)
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+\Z", re.ASCII)
_CMND = re.compile(r"^(?:\d{9}|\d{12})?\Z", re.ASCII)


class ScanKind(StrEnum):
    CCCD_QR = "cccd_qr"
    LEGACY_CARD_QR = "legacy_card_qr"
    SIGNED_QR = "signed_qr"


@dataclass(frozen=True)
class Scanned:
    kind: ScanKind
    identifier: str | None = None
    full_name: str | None = None
    birth_date: BirthDate | None = None
    qr: str | None = None


def _name(text: str) -> str | None:
    name = " ".join(text.split())
    return name if 0 < len(name) <= MAX_NAME else None


def _hex_text(field: str) -> str | None:
    if not _HEX.match(field):
        return None
    try:
        return bytes.fromhex(field).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _birth(text: str, parse) -> BirthDate | None:
    try:
        return parse(text)
    except ValueError:
        return None


def _cccd_qr(fields: list[str]) -> Scanned | None:
    cccd, cmnd, name, born = (f.strip() for f in fields[:4])
    full_name, birth = _name(name), _birth(born, BirthDate.parse_compact)
    if not CCCD_RE.match(cccd) or not _CMND.match(cmnd) or full_name is None or birth is None:
        return None
    return Scanned(ScanKind.CCCD_QR, identifier=cccd, full_name=full_name, birth_date=birth)


def _legacy_qr(fields: list[str]) -> Scanned | None:
    if len(fields) < 3:
        return None
    number = fields[0].strip().upper()
    decoded = _hex_text(fields[1].strip())
    full_name = _name(decoded) if decoded is not None else None
    birth = _birth(fields[2].strip(), BirthDate.parse_gateway)
    if not CARD_SHAPE_RE.match(number) or full_name is None or birth is None:
        return None
    return Scanned(ScanKind.LEGACY_CARD_QR, identifier=number, full_name=full_name, birth_date=birth)


def read_scan(raw: Any) -> Scanned | None:
    """The scan's kind and values, or None when it is none of the three kinds (a 205)."""
    if not isinstance(raw, str) or len(raw) > MAX_SCAN:
        return None
    text = raw.strip()
    if _JWS.match(text):
        return Scanned(ScanKind.SIGNED_QR, qr=text)
    if text.endswith("$"):
        return _legacy_qr(text[:-1].split("|"))
    fields = text.split("|")
    return _cccd_qr(fields) if len(fields) == 7 else None


def _dob_for_check(birth: BirthDate) -> date | None:
    """The birth date in the form the check compares today. A day-precise date is a `date`; a
    partial one (MMyyyy, yyyy) cannot be compared until partial birth dates reach the check
    (CONTRACT §1a), so for now it is passed as its first possible day and answers 070 against a
    full date on file. MERGE NOTE: when CheckInput carries a BirthDate, return `birth` itself."""
    return birth.as_date


def parse_scan_body(body: dict) -> CheckInput:
    """`{scan, staff_cccd, staff_name}`; other fields, or a scan of no known kind, make a 205."""
    inp = CheckInput()
    inp.staff_cccd = _staff_cccd(body, "staff_cccd", inp.invalid)
    inp.staff_name = _text(body, "staff_name", inp.invalid)
    scanned = read_scan(body.get("scan"))
    if scanned is None:
        inp.invalid.append("scan")
    else:
        inp.scan_kind = scanned.kind.value
        inp.identifier, inp.full_name, inp.qr = scanned.identifier, scanned.full_name, scanned.qr
        if scanned.birth_date is not None:
            inp.date_of_birth = _dob_for_check(scanned.birth_date)
    inp.invalid.extend(sorted(set(body) - {"scan", "staff_cccd", "staff_name"}))
    return inp


def parse_clinic_request(body: Any) -> CheckInput:
    """The clinic body in any of its three shapes: identifier, `qr`, or `scan`."""
    if isinstance(body, dict) and "scan" in body:
        return parse_scan_body(body)
    return parse_clinic_body(body)
