"""The card check's two request shapes (clinic JSON, the gateway's fields) reduced to plain values.

Nothing here reads the database: a field missing or ill-formed is named in `CheckInput.invalid`
and the check answers 205 for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.birth_dates import BirthDate
from services.identifiers import check_cccd

MAX_NAME = 200


@dataclass
class CheckInput:
    """A request reduced to plain values; `invalid` names the fields that make it a 205."""

    identifier: str | None = None
    full_name: str | None = None
    date_of_birth: BirthDate | None = None
    staff_cccd: str | None = None
    staff_name: str | None = None
    qr: str | None = None
    invalid: list[str] = field(default_factory=list)


# ---- parsing (the two request shapes) --------------------------------------------------------

def _text(body: dict, name: str, invalid: list[str], max_len: int = MAX_NAME) -> str | None:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        invalid.append(name)
        return None
    return value.strip()


def _staff_cccd(body: dict, name: str, invalid: list[str]) -> str | None:
    value = _text(body, name, invalid, 32)
    if value is not None and check_cccd(value):
        invalid.append(name)
        return None
    return value


def parse_iso_date(value: Any) -> BirthDate | None:
    """A birth date as `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return BirthDate.parse_iso(value)
    except ValueError:
        return None


def parse_gateway_date(value: Any) -> BirthDate | None:
    """`dd/mm/yyyy`, `mm/yyyy`, `yyyy` or `ddmmyyyy` (the gateway's spec and its own example disagree;
    hospital systems send the short forms for people whose full birth date is unknown)."""
    if not isinstance(value, str):
        return None
    try:
        return BirthDate.parse_gateway(value)
    except ValueError:
        return None


def parse_clinic_body(body: Any) -> CheckInput:
    """`{identifier, full_name, date_of_birth, staff_cccd, staff_name}` or `{qr, staff_cccd, staff_name}`.
    Anything else (not an object, both or neither shape, unknown fields) is a 205."""
    if not isinstance(body, dict):
        return CheckInput(invalid=["_body"])
    inp = CheckInput()
    inp.staff_cccd = _staff_cccd(body, "staff_cccd", inp.invalid)
    inp.staff_name = _text(body, "staff_name", inp.invalid)
    if "qr" in body:
        allowed = {"qr", "staff_cccd", "staff_name"}
        inp.qr = _text(body, "qr", inp.invalid, 4096)
    else:
        allowed = {"identifier", "full_name", "date_of_birth", "staff_cccd", "staff_name"}
        inp.identifier = _text(body, "identifier", inp.invalid, 64)
        inp.full_name = _text(body, "full_name", inp.invalid)
        inp.date_of_birth = parse_iso_date(body.get("date_of_birth"))
        if inp.date_of_birth is None:
            inp.invalid.append("date_of_birth")
    inp.invalid.extend(sorted(set(body) - allowed))
    return inp


def parse_gateway_body(body: Any) -> CheckInput:
    """The gateway's `{maThe, hoTen, ngaySinh, hoTenCb, cccdCb}`; extra fields are ignored (HIS
    systems send their own)."""
    if not isinstance(body, dict):
        return CheckInput(invalid=["_body"])
    inp = CheckInput()
    inp.staff_cccd = _staff_cccd(body, "cccdCb", inp.invalid)
    inp.staff_name = _text(body, "hoTenCb", inp.invalid)
    inp.identifier = _text(body, "maThe", inp.invalid, 64)
    inp.full_name = _text(body, "hoTen", inp.invalid)
    inp.date_of_birth = parse_gateway_date(body.get("ngaySinh"))
    if inp.date_of_birth is None:
        inp.invalid.append("ngaySinh")
    return inp


