"""Báo tăng: enroll a unit's employees in bulk (CONTRACT §6, reference/domain.md §5).

Rows are independent. `prepare` validates every row (all field errors at once), looks up the
facilities and asks the population registry once for the whole batch; `apply` (inside the batch's
transaction, see services.idempotency) resolves persons, employments and cards with IN queries in
chunks and writes new rows with multi-row INSERTs, so the statement count grows with
rows / CHUNK, never with rows. The row shape is services/enrollment_rows.py.

Row codes: validation_error, registry_mismatch, already_enrolled (an active employee of this unit,
or the CCCD repeated in this batch), bhxh_code_not_found, bhxh_code_mismatch (the given code
belongs to someone else), card_revoked (an officer revoked the card this enrollment would reuse).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from card_codes import CardStatus
from models import Card, Employment, Facility, InsuredPerson, new_id
from services import audit, batch_rows, bhxh_codes, birth_dates, bulk_sql, provinces
from services.batch_rows import MAX_ROWS, Employer, month_str, parse_month, rejected  # noqa: F401 (re-exported)
from services.card_rows import new_card_values
from services.contributions import Rates, monthly
from services.enrollment_rows import FIELDS, MAX_SALARY, REQUIRED, Row, validate  # noqa: F401
from services.identifiers import FACILITY_RE, card_number
from services.names import same_name

CHUNK = batch_rows.CHUNK  # rows per IN query and per multi-row write; read at call time (tests shrink it)
OBJECT_CODE, BENEFIT_LEVEL = "DN", 4


def chunks(items: Sequence) -> Iterable[Sequence]:
    return batch_rows.chunks(items, CHUNK)


@dataclass
class Prepared:
    received: int
    rejected: dict[int, dict] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


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
        checked = validate(raw, index, today, facilities)
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


_PERSON_COLS = tuple(InsuredPerson.__table__.c[k] for k in (
    "id", "bhxh_code", "cccd", "full_name", "date_of_birth", "date_of_birth_precision", "gender", "phone"))


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
    born = birth_dates.of_record(given).matches(r.date_of_birth)
    if not (same_name(given["full_name"], r.full_name) and born and given["gender"] == r.gender):
        return None, "bhxh_code_mismatch", {
            "bhxh_code": ["The insurance record of this BHXH code has another name, date of birth or gender."]}
    return given, None, None


def apply(session: Session, batch_id: str, prep: Prepared, employer: Employer, rates: Rates) -> dict:
    """Inside the batch's transaction: persons, then employments, then cards, then the writes."""
    now, today = clock.now(), clock.today()
    results: dict[int, dict] = dict(prep.rejected)
    plans = _plan_persons(session, prep.rows, results, now)
    plans = _drop_active_employees(session, employer, plans, results)
    plans = _plan_cards(session, employer, plans, results, now, today)  # still in CCCD order: one lock order
    agency = provinces.issuing_agency(employer.province_code, today)
    for chunk in chunks(plans):
        write_chunk(session, chunk, batch_id, employer, agency, now)
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


def _plan_persons(session: Session, rows: list[Row], results: dict, now: datetime) -> list[Plan]:
    """A plan per row whose person resolves (existing or new); the others rejected into `results`."""
    rows = sorted(rows, key=lambda r: r.cccd)  # one lock order for concurrent batches
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
    return plans


def _drop_active_employees(session: Session, employer: Employer, plans: list[Plan], results: dict) -> list[Plan]:
    active = _active_person_ids(session, employer.unit_code, [p.person_id for p in plans if p.person_id])
    kept = []
    for plan in plans:
        if plan.person_id in active:
            results[plan.row.row] = rejected(plan.row.row, "already_enrolled", {
                "cccd": ["Already an active employee of this unit."]}, contribution=None)
        else:
            kept.append(plan)
    return kept


def _plan_cards(session: Session, employer: Employer, plans: list[Plan], results: dict, now: datetime,
                today: date) -> list[Plan]:
    """BHXH codes for new persons, then each plan's card: a new one, or the existing number reissued."""
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
        elif old["status"] == CardStatus.REVOKED:
            results[r.row] = rejected(r.row, "card_revoked", {
                "_row": ["The card this enrollment would reissue was revoked by an officer; contact the agency."]},
                contribution=None)
            continue
        else:
            _reissue(plan, old, agency, now, today)
        kept.append(plan)
    return kept


def _reissue(plan: Plan, old: dict, agency: str, now: datetime, today: date) -> None:
    """Re-enrollment in this province: the card number exists, so that card is updated in place."""
    plan.card_id = old["id"]
    if old["status"] == CardStatus.ACTIVE and old["valid_to"] >= today:
        # Still in force (e.g. another unit of this province): keep the wider validity.
        plan.valid_from = min(old["valid_from"], plan.valid_from)
        plan.valid_to = max(old["valid_to"], plan.valid_to)
    plan.card_update = {"id": old["id"], "facility_code": plan.row.facility_code, "valid_from": plan.valid_from,
                        "valid_to": plan.valid_to, "issuing_agency": agency, "status": CardStatus.ACTIVE.value,
                        "status_reason": None}
    if old["status"] != CardStatus.ACTIVE:
        plan.card_update["status_changed_at"] = now


def write_chunk(session: Session, plans: Sequence[Plan], batch_id: str, employer: Employer, agency: str,
                now: datetime) -> None:
    """Persons, cards and employments of up to CHUNK rows: one statement per table and kind."""
    new = [p for p in plans if p.person_new]
    if new:
        ids = bulk_sql.insert_rows(session, InsuredPerson, [{
            "bhxh_code": p.bhxh_code, "cccd": p.row.cccd, "full_name": p.row.full_name,
            **birth_dates.stored_columns(p.row.date_of_birth), "gender": p.row.gender, "phone": p.row.phone,
            "created_at": now, "updated_at": now,
        } for p in new], returning=("id", "bhxh_code"))
        by_code = {code: pid for pid, code in ids}
        for p in new:
            p.person_id = by_code[p.bhxh_code]
    bulk_sql.update_rows(session, InsuredPerson, [p.person_update for p in plans if p.person_update])
    bulk_sql.insert_rows(session, Card, [new_card_values(
        id=p.card_id, card_number=p.card_number, person_id=p.person_id, object_code=OBJECT_CODE,
        benefit_level=BENEFIT_LEVEL, province_code=employer.province_code, facility_code=p.row.facility_code,
        valid_from=p.valid_from, valid_to=p.valid_to, issuing_agency=agency, now=now,
    ) for p in plans if p.card_update is None])
    bulk_sql.update_rows(session, Card, [p.card_update for p in plans if p.card_update is not None])
    bulk_sql.insert_rows(session, Employment, [{
        "person_id": p.person_id, "unit_code": employer.unit_code, "unit_name": employer.name,
        "from_month": p.row.start_month, "to_month": None, "salary": p.row.salary, "job_title": p.row.job_title,
        "card_id": p.card_id, "batch_id": batch_id, "end_batch_id": None, "end_reason": None, "active": True,
        "created_at": now,
    } for p in plans])
