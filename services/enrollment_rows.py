"""One báo tăng row: its fields and their rules, the one definition of the enrollment request shape.

api/employer/schemas.py builds the OpenAPI schema from FIELDS / REQUIRED / GENDERS here, and the
batch is validated here (all of a row's field errors at once), whether it came as JSON or CSV.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.batch_rows import MISSING, parse_month, text_field, unknown_fields
from services.birth_dates import MIN_YEAR, BirthDate
from services.identifiers import FACILITY_RE, GENDERS, check_bhxh, check_cccd, normalize_phone
from services.names import clean_name

FIELDS = ("cccd", "full_name", "date_of_birth", "gender", "salary", "start_month", "job_title",
          "primary_care_facility_code", "phone", "bhxh_code")
REQUIRED = FIELDS[:8]
MAX_SALARY = 2_000_000_000  # VND/month; far above any real salary, inside a 32-bit column
MAX_LENGTHS = {"full_name": 100, "cccd": 12, "job_title": 500, "primary_care_facility_code": 5, "phone": 16,
               "bhxh_code": 10}
_DOB_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$", re.ASCII)
DOB_SHAPE = "Not a valid date; use YYYY-MM-DD, or YYYY-MM / YYYY when the day or month is unknown."
DOB_RANGE = "Must be between 1900 and today."


@dataclass
class Row:
    row: int
    cccd: str
    full_name: str
    date_of_birth: BirthDate
    gender: str
    salary: int
    start_month: date
    job_title: str
    facility_code: str
    phone: str | None
    bhxh_code: str | None


def _full_name(raw: dict, errors: dict) -> str | None:
    full_name = text_field(raw, "full_name", errors, max_len=MAX_LENGTHS["full_name"])
    if full_name is None:
        return None
    full_name = clean_name(full_name)
    if any(ch.isdigit() for ch in full_name):
        errors["full_name"] = ["A name has no digits."]
    return full_name


def _date_of_birth(raw_dob: Any, errors: dict, today: date) -> BirthDate | None:
    """`YYYY-MM-DD`, `YYYY-MM` or `YYYY` (the precision known), from 1900 to today."""
    if raw_dob is None or raw_dob == "":
        errors["date_of_birth"] = [MISSING]
        return None
    if not isinstance(raw_dob, str) or not _DOB_RE.match(raw_dob):
        errors["date_of_birth"] = [DOB_SHAPE]
        return None
    try:
        dob = BirthDate.parse_iso(raw_dob)
    except ValueError:  # an impossible day or month, or a year before MIN_YEAR
        errors["date_of_birth"] = [DOB_RANGE if int(raw_dob[:4]) < MIN_YEAR else DOB_SHAPE]
        return None
    if dob.as_date > today:
        errors["date_of_birth"] = [DOB_RANGE]
        return None
    return dob


def _gender(gender: Any, errors: dict) -> str | None:
    if gender is None or gender == "":
        errors["gender"] = [MISSING]
        return None
    if gender not in GENDERS:
        errors["gender"] = [f"Must be one of: {', '.join(GENDERS)}."]
        return None
    return gender


def _salary(salary: Any, errors: dict) -> int | None:
    if salary is None or salary == "":
        errors["salary"] = [MISSING]
    elif isinstance(salary, bool) or not isinstance(salary, int):
        errors["salary"] = ["Not a valid integer (VND per month)."]
    elif not 1 <= salary <= MAX_SALARY:
        errors["salary"] = [f"Must be between 1 and {MAX_SALARY} VND."]
    else:
        return salary
    return None


def _facility(raw: dict, errors: dict, facilities: set[str]) -> str | None:
    name = "primary_care_facility_code"
    facility = text_field(raw, name, errors, max_len=MAX_LENGTHS[name])
    if facility is not None:
        if not FACILITY_RE.match(facility):
            errors[name] = ["A facility code is 5 digits."]
        elif facility not in facilities:
            errors[name] = ["No such health facility."]
    return facility


def _phone(raw: dict, errors: dict) -> str | None:
    raw_phone = text_field(raw, "phone", errors, required=False, max_len=MAX_LENGTHS["phone"])
    if raw_phone is None:
        return None
    phone = normalize_phone(raw_phone)
    if phone is None:
        errors["phone"] = ["Not a Vietnamese mobile number (09xxxxxxxx or +849xxxxxxxx)."]
    return phone


def validate(raw: Any, index: int, today: date, facilities: set[str]) -> Row | dict:
    """The row, or {field: [problems]} with every problem of the row."""
    if not isinstance(raw, dict):
        return {"_row": ["Each employee must be an object."]}
    errors: dict[str, list[str]] = {}
    unknown_fields(raw, FIELDS, errors)
    full_name = _full_name(raw, errors)
    dob = _date_of_birth(raw.get("date_of_birth"), errors, today)
    gender = _gender(raw.get("gender"), errors)
    cccd = text_field(raw, "cccd", errors, max_len=MAX_LENGTHS["cccd"])
    if cccd is not None:
        problems = check_cccd(cccd, dob, gender)
        if problems:
            errors["cccd"] = problems
    salary = _salary(raw.get("salary"), errors)
    start = parse_month(raw.get("start_month"), errors, "start_month", today)
    job_title = text_field(raw, "job_title", errors, max_len=MAX_LENGTHS["job_title"])
    facility = _facility(raw, errors, facilities)
    phone = _phone(raw, errors)
    bhxh = text_field(raw, "bhxh_code", errors, required=False, max_len=MAX_LENGTHS["bhxh_code"])
    if bhxh is not None and check_bhxh(bhxh):
        errors["bhxh_code"] = check_bhxh(bhxh)
    if errors:
        return errors
    return Row(index, cccd, full_name, dob, gender, salary, start, job_title, facility, phone, bhxh)  # type: ignore[arg-type]
