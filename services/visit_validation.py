"""The one validator of a clinic's visit file, for the native JSON submission and the gateway's
guiHoSoXmlQD4750 alike: each visit arrives as a dict keyed by the XML1 field names (QĐ 4750 Bảng 1),
values as text (XML) or JSON scalars, and comes out as the row to store, or as errors that name the
visit, the field and the rule broken. Rules needing the database (the card) are in services/visits.py
and report in the same shape. Rule codes are listed in docs/visits.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from services import icd10
from services.identifiers import CARD_RE, FACILITY_RE

VN = timezone(timedelta(hours=7))
MAX_VISITS = 5_000
MAX_OTHER_ICD = 12  # QĐ 4750: at most 12 secondary codes
REQUIRED = ("MA_LK", "MA_BN", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU",
            "GT_THE_DEN", "MA_BENH_CHINH", "MA_LOAI_KCB", "NGAY_VAO", "NGAY_RA", "KET_QUA_DTRI",
            "MA_LOAI_RV", "T_TONGCHI_BV", "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT", "MA_CSKCB")
OPTIONAL = ("SO_CCCD", "MA_BENH_KT", "CHAN_DOAN_RV", "MA_DOITUONG_KCB", "STT")
FIELDS = frozenset(REQUIRED + OPTIONAL)
MAX_LEN = {"MA_LK": 100, "MA_BN": 100, "HO_TEN": 255, "SO_CCCD": 15, "MA_THE_BHYT": 50, "MA_DKBD": 50,
           "GT_THE_TU": 50, "GT_THE_DEN": 50, "MA_BENH_CHINH": 7, "MA_BENH_KT": 100, "CHAN_DOAN_RV": 4000,
           "MA_DOITUONG_KCB": 4, "MA_CSKCB": 5, "STT": 10}
MONEY = ("T_TONGCHI_BV", "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT")
CHOICES = {"GIOI_TINH": {1, 2, 3}, "KET_QUA_DTRI": set(range(1, 9)), "MA_LOAI_RV": set(range(1, 6))}
VISIT_TYPES = {f"{n:02d}" for n in range(1, 11)}  # MA_LOAI_KCB, QĐ 824/QĐ-BYT
INPATIENT = {"03", "04", "06", "09"}
_STAMP = re.compile(r"^\d{12}$")
_DAY = re.compile(r"^\d{8}$")
_CCCD = re.compile(r"^(\d{9}|\d{12}|[A-Z]\d{7})$")
_ARRIVAL = re.compile(r"^\d{1,2}(\.\d{1,2})?$")


@dataclass(frozen=True)
class VisitError:
    index: int  # 0-based position in the file
    ma_lk: str | None
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict:
        return {"index": self.index, "ma_lk": self.ma_lk, "field": self.field, "rule": self.rule,
                "message": self.message}


class _Visit:
    """Collects one visit's values and errors."""

    def __init__(self, index: int, raw: dict):
        self.index, self.raw = index, raw
        self.errors: list[VisitError] = []
        ma_lk = raw.get("MA_LK")
        self.ma_lk = str(ma_lk).strip() if isinstance(ma_lk, (str, int)) and str(ma_lk).strip() else None

    def fail(self, name: str, rule: str, message: str) -> None:
        self.errors.append(VisitError(self.index, self.ma_lk, name, rule, message))

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in REQUIRED:
                self.fail(name, "required", f"{name} is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(name, "type", f"{name} must be text.")
            return None
        value = str(value).strip()
        if len(value) > MAX_LEN.get(name, 255):
            self.fail(name, "too_long", f"{name} has more than {MAX_LEN.get(name, 255)} characters.")
            return None
        return value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.isdigit() or int(value) not in CHOICES[name]:
            self.fail(name, "not_allowed", f"{name} must be one of {sorted(CHOICES[name])}.")
            return None
        return int(value)

    def money(self, name: str) -> Decimal | None:
        value = self.raw.get(name)
        if value is None or value == "":
            self.fail(name, "required", f"{name} is required.")
            return None
        try:
            amount = Decimal(str(value).strip()) if not isinstance(value, bool) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.fail(name, "not_a_number", f"{name} must be a number of VND.")
            return None
        if amount < 0 or amount >= Decimal(10) ** 13:
            self.fail(name, "out_of_range", f"{name} must be between 0 and 9,999,999,999,999.99.")
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.fail(name, "too_many_decimals", f"{name} has more than 2 decimals.")
            return None
        return amount.quantize(Decimal("0.01"))

    def stamp(self, name: str) -> datetime | None:
        """yyyymmddHHMM, Vietnam time."""
        value = self.text(name)
        if value is None:
            return None
        if not _STAMP.match(value):
            self.fail(name, "format", f"{name} must be 12 digits, yyyymmddHHMM.")
            return None
        try:
            return datetime.strptime(value, "%Y%m%d%H%M").replace(tzinfo=VN).astimezone(UTC)
        except ValueError:
            self.fail(name, "invalid_date", f"{name} is not a real date and time.")
            return None


def _birth(v: _Visit) -> str | None:
    """NGAY_SINH: 12 digits; month and day may be 00 (unknown), the year must be real."""
    value = v.text("NGAY_SINH")
    if value is None:
        return None
    if not _STAMP.match(value) or not (1880 <= int(value[:4]) <= 2100) or int(value[4:6]) > 12 \
            or int(value[6:8]) > 31 or int(value[8:10]) > 23 or int(value[10:]) > 59:
        v.fail("NGAY_SINH", "format", "NGAY_SINH must be yyyymmddHHMM (month and day 00 when unknown).")
        return None
    return value


def _days(v: _Visit, name: str) -> list[str] | None:
    """GT_THE_TU / GT_THE_DEN: yyyymmdd, several separated by ';' (one per card)."""
    value = v.text(name)
    if value is None:
        return None
    parts = [p.strip() for p in value.split(";")]
    for part in parts:
        try:
            if not _DAY.match(part):
                raise ValueError
            datetime.strptime(part, "%Y%m%d")
        except ValueError:
            v.fail(name, "format", f"{name} must be yyyymmdd (several separated by ';').")
            return None
    return parts


def _cards(v: _Visit) -> list[str] | None:
    value = v.text("MA_THE_BHYT")
    if value is None:
        return None
    numbers = [p.strip().upper() for p in value.split(";")]
    if not all(CARD_RE.match(n) for n in numbers):
        v.fail("MA_THE_BHYT", "card_number_format", "MA_THE_BHYT must be 15-character card numbers.")
        return None
    return numbers


def _icd(v: _Visit) -> tuple[str | None, str | None]:
    main = v.text("MA_BENH_CHINH")
    if main is not None:
        found = icd10.normalize(main)
        if found is None:
            v.fail("MA_BENH_CHINH", "icd10_unknown", f"{main} is not an ICD-10 category or subcategory.")
        main = found
    others = v.text("MA_BENH_KT")
    if others is None:
        return main, None
    codes = [c.strip() for c in others.split(";") if c.strip()]
    if len(codes) > MAX_OTHER_ICD:
        v.fail("MA_BENH_KT", "too_many", f"MA_BENH_KT holds at most {MAX_OTHER_ICD} codes.")
        return main, None
    unknown = [c for c in codes if icd10.normalize(c) is None]
    if unknown:
        v.fail("MA_BENH_KT", "icd10_unknown", f"Not ICD-10 codes: {', '.join(unknown[:5])}.")
        return main, None
    return main, ";".join(icd10.normalize(c) or c for c in codes) or None


def _totals(v: _Visit) -> dict | None:
    found = {name: v.money(name) for name in MONEY}
    amounts = {name: a for name, a in found.items() if a is not None}
    if len(amounts) != len(MONEY):
        return None
    if amounts["T_BHTT"] != amounts["T_TONGCHI_BH"] - amounts["T_BNCCT"]:
        v.fail("T_BHTT", "t_bhtt_mismatch", "T_BHTT must equal T_TONGCHI_BH - T_BNCCT.")
    if amounts["T_BNCCT"] > amounts["T_TONGCHI_BH"]:
        v.fail("T_BNCCT", "over_insured_total", "T_BNCCT cannot exceed T_TONGCHI_BH.")
    return amounts


def _codes(v: _Visit, facility_code: str) -> dict:
    out = {}
    visit_type = v.text("MA_LOAI_KCB")
    if visit_type is not None:
        visit_type = visit_type.zfill(2)
        if visit_type not in VISIT_TYPES:
            v.fail("MA_LOAI_KCB", "not_allowed", "MA_LOAI_KCB must be 01-10 (QĐ 824/QĐ-BYT).")
    out["visit_type"] = visit_type
    site = v.text("MA_CSKCB")
    if site is not None and not FACILITY_RE.match(site):
        v.fail("MA_CSKCB", "format", "MA_CSKCB must be a 5-digit facility code.")
    elif site is not None and site != facility_code:
        v.fail("MA_CSKCB", "facility_mismatch", "MA_CSKCB must be the calling clinic's own facility.")
    cccd = v.text("SO_CCCD")
    if cccd is not None and not _CCCD.match(cccd):
        v.fail("SO_CCCD", "format", "SO_CCCD must be 9 or 12 digits, or a passport number.")
        cccd = None
    arrival = v.text("MA_DOITUONG_KCB")
    if arrival is not None and not _ARRIVAL.match(arrival):
        v.fail("MA_DOITUONG_KCB", "format", "MA_DOITUONG_KCB must be a code such as 1.1, 2 or 3.3.")
        arrival = None
    out.update(cccd=cccd, arrival_code=arrival, facility_code=site)
    return out


def validate_one(index: int, raw: Any, facility_code: str, strict: bool = True) -> tuple[dict | None, list[VisitError]]:
    """`strict`: an unknown field is an error (JSON); the XML1 file carries some 65 fields, of which
    the ones this service does not keep are passed over."""
    if not isinstance(raw, dict):
        return None, [VisitError(index, None, "_visit", "type", "Each visit must be an object.")]
    v = _Visit(index, raw)
    for name in sorted(set(raw) - FIELDS) if strict else ():
        v.fail(str(name)[:40], "unknown_field", f"{str(name)[:40]} is not an XML1 field this service takes.")
    codes = _codes(v, facility_code)
    main, others = _icd(v)
    row = dict(
        ma_lk=v.text("MA_LK"), ma_bn=v.text("MA_BN"), full_name=v.text("HO_TEN"), birth=_birth(v),
        gender=v.integer("GIOI_TINH"), card_numbers=_cards(v), registered_facility=v.text("MA_DKBD"),
        valid_from=_days(v, "GT_THE_TU"), valid_to=_days(v, "GT_THE_DEN"), main_icd=main, other_icd=others,
        diagnosis=v.text("CHAN_DOAN_RV"), admitted_at=v.stamp("NGAY_VAO"), discharged_at=v.stamp("NGAY_RA"),
        treatment_result=v.integer("KET_QUA_DTRI"), discharge_type=v.integer("MA_LOAI_RV"),
        totals=_totals(v), **codes,
    )
    if row["admitted_at"] and row["discharged_at"] and row["discharged_at"] < row["admitted_at"]:
        v.fail("NGAY_RA", "before_ngay_vao", "NGAY_RA must not be before NGAY_VAO.")
    return (None if v.errors else row), v.errors


def validate_file(visits: Any, facility_code: str, strict: bool = True) -> tuple[list[dict], list[VisitError]]:
    """Every visit checked (errors of all of them, not only the first); duplicates of a MA_LK in one
    file are refused, since which one should win is not knowable."""
    if not isinstance(visits, list) or not visits:
        return [], [VisitError(0, None, "visits", "required", "The file holds no visit.")]
    if len(visits) > MAX_VISITS:
        return [], [VisitError(0, None, "visits", "too_many", f"At most {MAX_VISITS} visits per file.")]
    rows: list[dict] = []
    errors: list[VisitError] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(visits):
        row, errs = validate_one(index, raw, facility_code, strict)
        errors.extend(errs)
        if row is not None:
            if row["ma_lk"] in seen:
                errors.append(VisitError(index, row["ma_lk"], "MA_LK", "duplicate_in_file",
                                         f"MA_LK also at position {seen[row['ma_lk']]} of this file."))
            seen.setdefault(row["ma_lk"], index)
            rows.append(row | {"index": index})
    return rows, errors
