"""Employer CCCD updates (CONTRACT §12, the e-dossier an HR clerk sends for the unit's staff).

Same batch shape and rules as báo tăng (services.enrollment / services.idempotency): rows are
independent, `prepare` validates and asks the registry once for the whole batch without writing,
`apply` runs inside the batch's single transaction and writes with one statement per chunk.

A row {bhxh_code, cccd, full_name, date_of_birth, gender} is `updated` when the population registry
holds that CCCD with that name, date of birth and gender, the BHXH code is an active employee of
this unit, the insurance record shows the same person (name, date of birth, gender) and no other
record carries the CCCD. Row codes (docs/campaign.md): validation_error, registry_mismatch,
not_employed, cccd_on_another_record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

import clock
from models import AuditEvent, Employment, InsuredPerson
from privacy import mask_tail
from services import audit, bulk_sql, campaign
from services.batch_rows import MISSING, Employer, text_field, unknown_fields
from services.enrollment import chunks
from services.enrollment_rows import _full_name, _gender
from services.identifiers import GENDERS, check_bhxh, check_cccd
from services.names import same_name

FIELDS = ("bhxh_code", "cccd", "full_name", "date_of_birth", "gender")
REQUIRED = FIELDS
ACTION = "employer.identity_update"  # one audit event per updated record: GET /me/data shows them
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Row:
    row: int
    bhxh_code: str
    cccd: str
    full_name: str
    date_of_birth: date
    gender: str


@dataclass
class Prepared:
    received: int
    rejected: dict[int, dict] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def problem(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def rejected(row: int, code: str, errors: dict[str, list[dict]], bhxh_code: str | None = None) -> dict:
    return {"row": row, "status": "rejected", "bhxh_code": bhxh_code, "cccd": None, "code": code, "errors": errors}


def birth_date(value: Any, today: date) -> tuple[date | None, str | None]:
    """The one place a row's date of birth is read (partial dates, `YYYY` / `YYYY-MM`, come here)."""
    if value is None or value == "":
        return None, MISSING
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return None, "Not a valid date; use YYYY-MM-DD."
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None, "Not a valid date; use YYYY-MM-DD."
    if parsed > today or parsed.year < 1900:
        return None, "Must be between 1900-01-01 and today."
    return parsed, None


def same_birth_date(on_record: date, given: date) -> bool:
    """The one place a record's date of birth is compared with a row's."""
    return on_record == given


def _validate(raw: Any, index: int, today: date) -> Row | dict[str, list[dict]]:
    if not isinstance(raw, dict):
        return {"_row": [problem("validation_error", "Each employee must be an object.")]}
    errors: dict[str, list[str]] = {}
    unknown_fields(raw, FIELDS, errors)
    full_name = _full_name(raw, errors)  # the enrollment row's rule: clean_name, no digits
    dob, why = birth_date(raw.get("date_of_birth"), today)
    if why:
        errors["date_of_birth"] = [why]
    gender = _gender(raw.get("gender"), errors)
    cccd = text_field(raw, "cccd", errors, max_len=12)
    if cccd is not None and check_cccd(cccd, dob, gender if gender in GENDERS else None):
        errors["cccd"] = check_cccd(cccd, dob, gender if gender in GENDERS else None)
    bhxh = text_field(raw, "bhxh_code", errors, max_len=10)
    if bhxh is not None and check_bhxh(bhxh):
        errors["bhxh_code"] = check_bhxh(bhxh)
    if errors or bhxh is None or cccd is None or full_name is None or dob is None or not isinstance(gender, str):
        return {k: [problem("validation_error", m) for m in v] for k, v in errors.items()}
    return Row(index, bhxh, cccd, full_name, dob, gender)


def prepare(session: Session, raw_rows: list, registry: Any) -> Prepared:
    """Field checks, duplicates within the batch, then the registry once for every remaining row."""
    today = clock.today()
    prep = Prepared(received=len(raw_rows))
    by_code: dict[str, int] = {}
    by_cccd: dict[str, int] = {}
    for index, raw in enumerate(raw_rows, start=1):
        checked = _validate(raw, index, today)
        if isinstance(checked, dict):
            prep.rejected[index] = rejected(index, "validation_error", checked)
        elif checked.bhxh_code in by_code:
            prep.rejected[index] = rejected(index, "validation_error", {"bhxh_code": [problem(
                "validation_error", f"This BHXH code is already in row {by_code[checked.bhxh_code]} of this batch.")]})
        elif checked.cccd in by_cccd:
            prep.rejected[index] = rejected(index, "cccd_on_another_record", {"cccd": [problem(
                "cccd_on_another_record", f"This CCCD is already in row {by_cccd[checked.cccd]} of this batch.")]})
        else:
            by_code[checked.bhxh_code], by_cccd[checked.cccd] = index, index
            prep.rows.append(checked)
    if prep.rows:
        verdicts = registry.verify_many(
            session, [(r.cccd, r.full_name, r.date_of_birth, r.gender) for r in prep.rows])
        kept = []
        for r, ok in zip(prep.rows, verdicts):
            if ok:
                kept.append(r)
            else:
                prep.rejected[r.row] = rejected(r.row, "registry_mismatch", {"_row": [problem(
                    "registry_mismatch",
                    "The population registry does not hold this CCCD with this name, date of birth and gender.")]})
        prep.rows = kept
    session.rollback()  # no transaction held open while the batch waits for its key
    return prep


def _in(session: Session, column, values: list):
    """`column IN values`: one array parameter on PostgreSQL (a 5,000-name IN list costs the driver
    more to build than the server to run), a plain IN list elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _load(session: Session, rows: list[Row], unit_code: str) -> tuple[dict, set[int], dict]:
    """Persons by BHXH code (locked: concurrent links and batches queue on them), this unit's active
    employees among them, and who carries each CCCD."""
    persons: dict[str, Any] = {}
    cols = (InsuredPerson.id, InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name,
            InsuredPerson.date_of_birth, InsuredPerson.gender)
    for chunk in chunks(sorted(r.bhxh_code for r in rows)):
        stmt = (select(*cols).where(_in(session, InsuredPerson.bhxh_code, list(chunk)))
                .order_by(InsuredPerson.id).with_for_update())
        persons.update({p.bhxh_code: p for p in session.execute(stmt)})
    employed: set[int] = set()
    for chunk in chunks(sorted(p.id for p in persons.values())):
        employed.update(session.scalars(select(Employment.person_id).where(
            Employment.unit_code == unit_code, Employment.active.is_(True),
            _in(session, Employment.person_id, list(chunk)))))
    holders: dict[str, int] = {}
    for chunk in chunks(sorted(r.cccd for r in rows)):
        for cccd, pid in session.execute(select(InsuredPerson.cccd, InsuredPerson.id)
                                         .where(_in(session, InsuredPerson.cccd, list(chunk)))):
            if cccd is not None:
                holders[cccd] = pid
    return persons, employed, holders


def _decide(r: Row, person, employed: set[int], holders: dict[str, int]) -> tuple[str | None, dict]:
    """(rejection code or None, errors) for one row against the locked records."""
    if person is None or person.id not in employed:
        # The same answer for an unknown code and another unit's employee: nothing leaks across units.
        return "not_employed", {"bhxh_code": [problem("not_employed", "No active employee of this unit has this BHXH code.")]}
    if not (same_name(person.full_name, r.full_name) and same_birth_date(person.date_of_birth, r.date_of_birth)
            and person.gender == r.gender):
        return "registry_mismatch", {"_row": [problem(
            "registry_mismatch", "The insurance record of this BHXH code has another name, date of birth or gender "
                                 "than the registry holds for this CCCD; the agency must correct the record first.")]}
    holder = holders.get(r.cccd)
    if holder is not None and holder != person.id:
        return "cccd_on_another_record", {"cccd": [problem("cccd_on_another_record",
                                                           "Another insurance record carries this CCCD.")]}
    if person.cccd is not None and person.cccd != r.cccd:
        return "cccd_on_another_record", {"cccd": [problem(
            "cccd_on_another_record", "This insurance record already carries another CCCD; only the agency changes it.")]}
    return None, {}


_PG_UPDATE = text(
    "UPDATE insured_persons AS p SET cccd = v.cccd, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:cccds AS varchar[])) AS v(id, cccd) WHERE p.id = v.id")
_PG_AUDIT = text(
    "INSERT INTO audit_events (at, actor_type, actor_id, action, target_type, target_id, detail) "
    "SELECT :now, 'client', :actor, :action, 'insured_person', CAST(v.id AS varchar), json_build_object("
    "'unit_code', CAST(:unit AS text), 'unit_name', CAST(:unit_name AS text), 'batch_id', CAST(:batch AS text), "
    "'cccd', v.masked) FROM unnest(CAST(:ids AS integer[]), CAST(:masked AS text[])) AS v(id, masked)")


def _write(session: Session, chunk, batch_id: str, employer: Employer, now) -> None:
    """The records' new CCCD and one audit event each: two statements per chunk. On PostgreSQL only
    the two varying columns travel as arrays; the constant ones are single parameters."""
    if session.get_bind().dialect.name == "postgresql":
        ids = [p.id for _, p in chunk]
        session.execute(_PG_UPDATE, {"now": now, "ids": ids, "cccds": [r.cccd for r, _ in chunk]})
        session.execute(_PG_AUDIT, {"now": now, "actor": employer.client_id, "action": ACTION,
                                    "unit": employer.unit_code, "unit_name": employer.name, "batch": batch_id,
                                    "ids": ids, "masked": [mask_tail(r.cccd) for r, _ in chunk]})
        return
    bulk_sql.update_rows(session, InsuredPerson, [{"id": p.id, "cccd": r.cccd, "updated_at": now} for r, p in chunk])
    bulk_sql.insert_rows(session, AuditEvent, [{
        "at": now, "actor_type": "client", "actor_id": employer.client_id, "action": ACTION,
        "target_type": "insured_person", "target_id": str(p.id),
        "detail": {"unit_code": employer.unit_code, "unit_name": employer.name, "batch_id": batch_id,
                   "cccd": mask_tail(r.cccd)},
    } for r, p in chunk])


def apply(session: Session, batch_id: str, prep: Prepared, employer: Employer) -> dict:
    now = clock.now()
    results: dict[int, dict] = dict(prep.rejected)
    rows = sorted(prep.rows, key=lambda r: r.bhxh_code)
    persons, employed, holders = _load(session, rows, employer.unit_code)
    changes: list[tuple[Row, Any]] = []
    for r in rows:
        person = persons.get(r.bhxh_code)
        code, errors = _decide(r, person, employed, holders)
        if code or person is None:
            results[r.row] = rejected(r.row, code or "not_employed", errors)
            continue
        results[r.row] = {"row": r.row, "status": "updated", "bhxh_code": r.bhxh_code, "cccd": r.cccd,
                          "code": None, "errors": {}}
        if person.cccd != r.cccd:
            changes.append((r, person))
    for chunk in chunks(changes):
        _write(session, chunk, batch_id, employer, now)
    campaign.refresh(session, [p.id for _, p in changes])
    updated = sum(1 for v in results.values() if v["status"] == "updated")
    answer = {"batch_id": batch_id, "received": prep.received, "updated": updated,
              "rejected": prep.received - updated, "results": [results[i] for i in sorted(results)]}
    audit.record(session, ("client", employer.client_id), "employer.identity_updates", ("batch", batch_id), {
        "unit_code": employer.unit_code, "received": answer["received"], "updated": updated,
        "changed": len(changes), "rejected": answer["rejected"]})
    return answer
