"""Báo tăng: enroll a unit's employees in bulk (CONTRACT §6, reference/domain.md §5).

Rows are independent. `prepare` validates every row (all field errors at once), looks up the
facilities and asks the population registry once for the whole batch; `apply` (inside the batch's
transaction, see services.idempotency) resolves persons, employments and cards with IN queries in
chunks and writes new rows with multi-row INSERTs, so the statement count grows with
rows / CHUNK, never with rows.

Row codes: validation_error (field errors), registry_mismatch, already_enrolled (an active
employee of this unit, or the CCCD repeated in this batch), bhxh_code_not_found,
bhxh_code_mismatch (the given code belongs to someone else), card_revoked (an officer revoked the
card this enrollment would reuse).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from models import Card, Employment, Facility, InsuredPerson, new_id
from services import audit, bhxh_codes, bulk_sql, campaign, provinces
from services.contributions import Rates, monthly
from services.identifiers import (
    FACILITY_RE, GENDERS, card_number, check_bhxh, check_cccd, normalize_phone,
)
from services.names import same_name

FIELDS = ("cccd", "full_name", "date_of_birth", "gender", "salary", "start_month", "job_title",
          "primary_care_facility_code", "phone", "bhxh_code")
REQUIRED = FIELDS[:8]
MAX_ROWS = 10_000
CHUNK = 5000  # rows per IN query and per multi-row write (SQLite allows 32,766 parameters)
MONTHS_BACK, MONTHS_AHEAD = 12, 3
MAX_SALARY = 2_000_000_000  # VND/month; far above any real salary, inside a 32-bit column
OBJECT_CODE, BENEFIT_LEVEL = "DN", 4

MISSING = "Missing data for required field."
UNKNOWN = "Unknown field."
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Employer:
    client_id: str
    unit_code: str
    province_code: str
    name: str


@dataclass
class Row:
    row: int
    cccd: str
    full_name: str
    date_of_birth: date
    gender: str
    salary: int
    start_month: date
    job_title: str
    facility_code: str
    phone: str | None
    bhxh_code: str | None


@dataclass
class Prepared:
    received: int
    rejected: dict[int, dict] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------- shared row helpers


def chunks(items: Sequence, size: int | None = None) -> Iterable[Sequence]:
    size = size or CHUNK  # read at call time: tests shrink CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rejected(row: int, code: str, errors: dict[str, list[str]], **extra: Any) -> dict:
    return {"row": row, "status": "rejected", "bhxh_code": None, "card_number": None,
            **extra, "code": code, "errors": errors}


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def parse_month(value: Any, errors: dict, name: str, today: date) -> date | None:
    """`YYYY-MM` within [this month - 12, this month + 3] -> the first day of that month."""
    if value is None or value == "":
        errors[name] = [MISSING]
        return None
    found = _MONTH_RE.match(value) if isinstance(value, str) else None
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        errors[name] = ["Not a valid month; use YYYY-MM."]
        return None
    month = date(int(found.group(1)), int(found.group(2)), 1)
    offset = month_index(month) - month_index(today)
    if offset < -MONTHS_BACK:
        errors[name] = [f"At most {MONTHS_BACK} months back (earliest {_first_allowed(today, -MONTHS_BACK)})."]
        return None
    if offset > MONTHS_AHEAD:
        errors[name] = [f"At most {MONTHS_AHEAD} months ahead (latest {_first_allowed(today, MONTHS_AHEAD)})."]
        return None
    return month


def _first_allowed(today: date, offset: int) -> str:
    idx = month_index(today) + offset
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def text_field(raw: dict, name: str, errors: dict, *, required: bool = True, max_len: int = 200) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = [MISSING]
        return None
    if not isinstance(value, str):
        errors[name] = ["Not a valid string."]
        return None
    value = " ".join(value.split())
    if len(value) > max_len:
        errors[name] = [f"Longer than maximum length {max_len}."]
        return None
    return value


def unknown_fields(raw: dict, allowed: Sequence[str], errors: dict) -> None:
    for key in raw:
        if key == "_cells":  # a CSV line with more cells than the header has columns
            errors["_row"] = [f"Too many cells: {raw[key]}."]
        elif key not in allowed:
            errors[str(key)] = [UNKNOWN]


def month_str(d: date | None) -> str | None:
    return None if d is None else f"{d.year:04d}-{d.month:02d}"


# ---------------------------------------------------------------- validation


def _validate(raw: Any, index: int, today: date, facilities: set[str]) -> Row | dict:
    if not isinstance(raw, dict):
        return {"_row": ["Each employee must be an object."]}
    errors: dict[str, list[str]] = {}
    unknown_fields(raw, FIELDS, errors)
    full_name = text_field(raw, "full_name", errors, max_len=100)
    if full_name is not None:
        full_name = unicodedata.normalize("NFC", full_name)
        if any(ch.isdigit() for ch in full_name):
            errors["full_name"] = ["A name has no digits."]
    dob = None
    raw_dob = raw.get("date_of_birth")
    if raw_dob is None or raw_dob == "":
        errors["date_of_birth"] = [MISSING]
    elif not isinstance(raw_dob, str) or not _DATE_RE.match(raw_dob):
        errors["date_of_birth"] = ["Not a valid date; use YYYY-MM-DD."]
    else:
        try:
            dob = date.fromisoformat(raw_dob)
        except ValueError:
            errors["date_of_birth"] = ["Not a valid date; use YYYY-MM-DD."]
        else:
            if dob > today or dob.year < 1900:
                errors["date_of_birth"] = ["Must be between 1900-01-01 and today."]
                dob = None
    gender = raw.get("gender")
    if gender is None or gender == "":
        errors["gender"] = [MISSING]
        gender = None
    elif gender not in GENDERS:
        errors["gender"] = ["Must be one of: male, female."]
        gender = None
    cccd = text_field(raw, "cccd", errors, max_len=12)
    if cccd is not None:
        problems = check_cccd(cccd, dob, gender)
        if problems:
            errors["cccd"] = problems
    salary = raw.get("salary")
    if salary is None or salary == "":
        errors["salary"] = [MISSING]
    elif isinstance(salary, bool) or not isinstance(salary, int):
        errors["salary"] = ["Not a valid integer (VND per month)."]
    elif not 1 <= salary <= MAX_SALARY:
        errors["salary"] = [f"Must be between 1 and {MAX_SALARY} VND."]
    start = parse_month(raw.get("start_month"), errors, "start_month", today)
    job_title = text_field(raw, "job_title", errors, max_len=500)
    facility = text_field(raw, "primary_care_facility_code", errors, max_len=5)
    if facility is not None:
        if not FACILITY_RE.match(facility):
            errors["primary_care_facility_code"] = ["A facility code is 5 digits."]
        elif facility not in facilities:
            errors["primary_care_facility_code"] = ["No such health facility."]
    phone = None
    raw_phone = text_field(raw, "phone", errors, required=False, max_len=16)
    if raw_phone is not None:
        phone = normalize_phone(raw_phone)
        if phone is None:
            errors["phone"] = ["Not a Vietnamese mobile number (09xxxxxxxx or +849xxxxxxxx)."]
    bhxh = text_field(raw, "bhxh_code", errors, required=False, max_len=10)
    if bhxh is not None and check_bhxh(bhxh):
        errors["bhxh_code"] = check_bhxh(bhxh)
    if errors:
        return errors
    return Row(index, cccd, full_name, dob, gender, salary, start, job_title, facility, phone, bhxh)


def _known_facilities(session: Session, raw_rows: list) -> set[str]:
    wanted = sorted({
        r["primary_care_facility_code"].strip() for r in raw_rows
        if isinstance(r, dict) and isinstance(r.get("primary_care_facility_code"), str)
        and FACILITY_RE.match(r["primary_care_facility_code"].strip())
    })
    found: set[str] = set()
    for chunk in chunks(wanted):
        found.update(session.scalars(select(Facility.code).where(Facility.code.in_(chunk))))
    return found


def prepare(session: Session, raw_rows: list, registry: Any) -> Prepared:
    """Everything that reads but never writes: field checks, facilities, the registry (once)."""
    today = clock.today()
    facilities = _known_facilities(session, raw_rows)
    prep = Prepared(received=len(raw_rows))
    first_row: dict[str, int] = {}
    for index, raw in enumerate(raw_rows, start=1):
        checked = _validate(raw, index, today, facilities)
        if isinstance(checked, dict):
            prep.rejected[index] = rejected(index, "validation_error", checked, contribution=None)
        elif checked.cccd in first_row:
            prep.rejected[index] = rejected(index, "already_enrolled", {
                "cccd": [f"This CCCD is already in row {first_row[checked.cccd]} of this batch."]
            }, contribution=None)
        else:
            first_row[checked.cccd] = index
            prep.rows.append(checked)
    if prep.rows:
        verdicts = registry.verify_many(
            session, [(r.cccd, r.full_name, r.date_of_birth, r.gender) for r in prep.rows])
        kept = []
        for r, ok in zip(prep.rows, verdicts):
            if ok:
                kept.append(r)
            else:
                prep.rejected[r.row] = rejected(r.row, "registry_mismatch", {
                    "_row": ["The population registry does not hold this CCCD with this name, date of birth and gender."]
                }, contribution=None)
        prep.rows = kept
    # Reads of the prepare phase must not hold a transaction open while the batch waits for its key.
    session.rollback()
    return prep


# ---------------------------------------------------------------- writing


@dataclass
class Plan:
    row: Row
    bhxh_code: str = ""
    person_id: int | None = None
    person_new: bool = False
    person_update: dict | None = None
    card_id: str = ""
    card_number: str = ""
    card_update: dict | None = None  # None: insert a new card
    valid_from: date | None = None
    valid_to: date | None = None


_PERSON_COLS = (InsuredPerson.id, InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name,
                InsuredPerson.date_of_birth, InsuredPerson.gender, InsuredPerson.phone)


def _persons_by(session: Session, column, values: Iterable[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for chunk in chunks(sorted(set(values))):
        for row in session.execute(select(*_PERSON_COLS).where(column.in_(chunk))):
            rec = row._asdict()
            out[rec[column.key]] = rec
    return out


def _active_person_ids(session: Session, unit_code: str, person_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunks(sorted(set(person_ids))):
        found.update(session.scalars(select(Employment.person_id).where(
            Employment.unit_code == unit_code, Employment.active.is_(True), Employment.person_id.in_(chunk))))
    return found


def _cards_by_number(session: Session, numbers: Iterable[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    cols = (Card.id, Card.card_number, Card.person_id, Card.status, Card.valid_from, Card.valid_to)
    for chunk in chunks(sorted(set(numbers))):
        for row in session.execute(select(*cols).where(Card.card_number.in_(chunk))):
            out[row.card_number] = row._asdict()
    return out


def _resolve_person(r: Row, by_cccd: dict, by_bhxh: dict) -> tuple[dict | None, str | None, dict | None]:
    """(existing person or None for a new one, rejection code, errors)."""
    found = by_cccd.get(r.cccd)
    if r.bhxh_code is None:
        return found, None, None
    given = by_bhxh.get(r.bhxh_code)
    if given is None:
        return None, "bhxh_code_not_found", {"bhxh_code": ["No insurance record has this BHXH code."]}
    if found is not None:
        if found["id"] != given["id"]:
            return None, "bhxh_code_mismatch", {"bhxh_code": ["This CCCD belongs to a record with another BHXH code."]}
        return found, None, None
    if given["cccd"] is not None and given["cccd"] != r.cccd:
        return None, "bhxh_code_mismatch", {"bhxh_code": ["This BHXH code belongs to a record with another CCCD."]}
    if not (same_name(given["full_name"], r.full_name) and given["date_of_birth"] == r.date_of_birth
            and given["gender"] == r.gender):
        return None, "bhxh_code_mismatch", {
            "bhxh_code": ["The insurance record of this BHXH code has another name, date of birth or gender."]}
    return given, None, None


def apply(session: Session, batch_id: str, prep: Prepared, employer: Employer, rates: Rates) -> dict:
    now, today = clock.now(), clock.today()
    results: dict[int, dict] = dict(prep.rejected)
    rows = sorted(prep.rows, key=lambda r: r.cccd)  # one lock order for concurrent batches
    by_cccd = _persons_by(session, InsuredPerson.cccd, [r.cccd for r in rows])
    by_bhxh = _persons_by(session, InsuredPerson.bhxh_code, [r.bhxh_code for r in rows if r.bhxh_code])
    plans: list[Plan] = []
    seen_persons: set[int] = set()
    for r in rows:
        person, code, errors = _resolve_person(r, by_cccd, by_bhxh)
        if code:
            results[r.row] = rejected(r.row, code, errors, contribution=None)
            continue
        plan = Plan(row=r)
        if person is None:
            plan.person_new = True
        else:
            if person["id"] in seen_persons:
                results[r.row] = rejected(r.row, "already_enrolled", {"cccd": ["This person is already in this batch."]},
                                          contribution=None)
                continue
            seen_persons.add(person["id"])
            plan.person_id, plan.bhxh_code = person["id"], person["bhxh_code"]
            attach_cccd = person["cccd"] is None  # a legacy record found by its code: now carries the CCCD
            add_phone = bool(r.phone and not person["phone"])
            person["cccd"] = r.cccd  # a later row naming this code with another CCCD is then a mismatch
            if attach_cccd or add_phone:
                plan.person_update = {"id": person["id"], "cccd": r.cccd,
                                      "phone": person["phone"] or r.phone, "updated_at": now}
        plans.append(plan)

    active = _active_person_ids(session, employer.unit_code, [p.person_id for p in plans if p.person_id])
    kept = []
    for plan in plans:
        if plan.person_id in active:
            results[plan.row.row] = rejected(plan.row.row, "already_enrolled", {
                "cccd": ["Already an active employee of this unit."]}, contribution=None)
        else:
            kept.append(plan)
    plans = kept

    existing_cards = _cards_by_number(session, [
        card_number(OBJECT_CODE, BENEFIT_LEVEL, employer.province_code, p.bhxh_code) for p in plans if not p.person_new])
    new_plans = [p for p in plans if p.person_new]
    for plan, code in zip(new_plans, bhxh_codes.generate(session, len(new_plans), employer.province_code)):
        plan.bhxh_code = code
    kept = []
    agency = provinces.issuing_agency(employer.province_code, today)
    for plan in plans:
        r = plan.row
        plan.card_number = card_number(OBJECT_CODE, BENEFIT_LEVEL, employer.province_code, plan.bhxh_code)
        plan.valid_from = r.start_month
        plan.valid_to = date(max(r.start_month.year, today.year), 12, 31)
        old = existing_cards.get(plan.card_number)
        if old is None:
            plan.card_id = new_id()
            kept.append(plan)
            continue
        if old["status"] == "revoked":
            results[r.row] = rejected(r.row, "card_revoked", {
                "_row": ["The card this enrollment would reissue was revoked by an officer; contact the agency."]},
                contribution=None)
            continue
        # Re-enrollment in this province: the card number exists, so that card is updated in place.
        plan.card_id = old["id"]
        if old["status"] == "active" and old["valid_to"] >= today:
            # Still in force (e.g. another unit of this province): keep the wider validity.
            plan.valid_from = min(old["valid_from"], plan.valid_from)
            plan.valid_to = max(old["valid_to"], plan.valid_to)
        plan.card_update = {"id": old["id"], "facility_code": r.facility_code, "valid_from": plan.valid_from,
                            "valid_to": plan.valid_to, "issuing_agency": agency, "status": "active",
                            "status_reason": None}
        if old["status"] != "active":
            plan.card_update["status_changed_at"] = now
        kept.append(plan)
    plans = kept  # still in CCCD order: concurrent batches take row locks in one order

    for chunk in chunks(plans):
        write_chunk(session, chunk, batch_id, employer, agency, now)
    campaign.refresh(session, [p.person_id for p in plans])

    for plan in plans:
        results[plan.row.row] = {
            "row": plan.row.row, "status": "enrolled", "bhxh_code": plan.bhxh_code,
            "card_number": plan.card_number, "contribution": monthly(plan.row.salary, rates),
            "code": None, "errors": {},
        }
    answer = {
        "batch_id": batch_id, "received": prep.received, "enrolled": len(plans),
        "rejected": prep.received - len(plans), "results": [results[i] for i in sorted(results)],
    }
    audit.record(session, ("client", employer.client_id), "employer.enrollment", ("batch", batch_id), {
        "unit_code": employer.unit_code, "received": answer["received"], "enrolled": answer["enrolled"],
        "rejected": answer["rejected"]})
    return answer


def write_chunk(session: Session, plans: Sequence[Plan], batch_id: str, employer: Employer, agency: str,
                now: datetime) -> None:
    """Persons, cards and employments of up to CHUNK rows: one statement per table and kind."""
    new = [p for p in plans if p.person_new]
    if new:
        ids = bulk_sql.insert_rows(session, InsuredPerson, [{
            "bhxh_code": p.bhxh_code, "cccd": p.row.cccd, "full_name": p.row.full_name,
            "date_of_birth": p.row.date_of_birth, "gender": p.row.gender, "phone": p.row.phone,
            "created_at": now, "updated_at": now,
        } for p in new], returning=("id", "bhxh_code"))
        by_code = {code: pid for pid, code in ids}
        for p in new:
            p.person_id = by_code[p.bhxh_code]
    bulk_sql.update_rows(session, InsuredPerson, [p.person_update for p in plans if p.person_update])
    bulk_sql.insert_rows(session, Card, [{
        "id": p.card_id, "card_number": p.card_number, "person_id": p.person_id, "object_code": OBJECT_CODE,
        "benefit_level": BENEFIT_LEVEL, "province_code": employer.province_code, "area_code": None,
        "facility_code": p.row.facility_code, "valid_from": p.valid_from, "valid_to": p.valid_to,
        "five_year_date": None, "issuing_agency": agency, "status": "active", "status_reason": None,
        "status_changed_at": None, "created_at": now,
    } for p in plans if p.card_update is None])
    bulk_sql.update_rows(session, Card, [p.card_update for p in plans if p.card_update is not None])
    bulk_sql.insert_rows(session, Employment, [{
        "person_id": p.person_id, "unit_code": employer.unit_code, "unit_name": employer.name,
        "from_month": p.row.start_month, "to_month": None, "salary": p.row.salary, "job_title": p.row.job_title,
        "card_id": p.card_id, "batch_id": batch_id, "end_batch_id": None, "end_reason": None, "active": True,
        "created_at": now,
    } for p in plans])
