"""Recording a clinic's visit file and reading visit history (CONTRACT §9).

`record` validates every visit (services/visit_validation.py, then the card rules below), and
writes all of the file's visits or none, in one transaction: the persons' rows are locked first (in
id order) so that two files about one person serialize, the (facility, MA_LK) keys are locked or
inserted, a re-sent MA_LK's old row is deleted, the new rows are inserted and the persons'
co-payment years recomputed, and each visit's person told (`notify_recorded`, a `visit_recorded`
notification in the same transaction: CONTRACT §11). What was recorded is returned.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, false, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
import errors
from card_codes import CardStatus
from models import Card, CopayYear, Facility, InsuredPerson, Visit, VisitKey, new_id
from services import copay, icd10, notifications
from services.names import same_name
from services.visit_validation import VisitError, validate_file

GENDER = {1: "male", 2: "female"}


class VisitsRefused(errors.Invalid):
    """422 validation_error: the file was refused whole; `visit_errors` names each (visit, field, rule)."""

    code = "validation_error"
    detail = "The visit file was refused: nothing was recorded."

    def __init__(self, visit_errors: list[VisitError]):
        self.visit_errors = visit_errors
        grouped: dict[str, list] = {}
        for e in visit_errors:
            grouped.setdefault(f"visits[{e.index}].{e.field}", []).append({"code": e.rule, "message": e.message})
        super().__init__(errors=grouped, extra={"visit_errors": [e.as_dict() for e in visit_errors]})


@dataclass
class RecordedVisit:
    ma_lk: str
    visit_id: str
    person_id: int
    replaced: bool
    admitted_at: datetime | None = None


@dataclass
class Recorded:
    submission_id: str
    received_at: datetime
    facility_code: str
    visits: list[RecordedVisit] = field(default_factory=list)


def notify_recorded(session: Session, recorded: Recorded) -> None:
    """A `visit_recorded` notification for each recorded visit's person (those with an app account),
    written in the file's transaction: the file and its notifications commit together, or neither."""
    facility_name = session.scalar(select(Facility.name).where(Facility.code == recorded.facility_code))
    notifications.notify_person_items(session, "visit_recorded", [
        (v.person_id, {"facility_code": recorded.facility_code, "facility_name": facility_name,
                       "ma_lk": v.ma_lk, "visit_id": v.visit_id, "replaced": v.replaced,
                       "admitted_on": copay.local_day(v.admitted_at).isoformat() if v.admitted_at else None})
        for v in recorded.visits])


# ---- the card rules (they need the database) -----------------------------------------------------

def _cards_of(session: Session, rows: list[dict]) -> dict[str, tuple[Any, Any]]:
    numbers = sorted({n for r in rows for n in r["card_numbers"]})
    found: dict[str, tuple] = {}
    for start in range(0, len(numbers), 2000):
        for card, person in session.execute(
                select(Card, InsuredPerson).join(InsuredPerson, InsuredPerson.id == Card.person_id)
                .where(Card.card_number.in_(numbers[start:start + 2000]))):
            found[card.card_number] = (card, person)
    return found


def _birth_matches(birth: str, dob: date) -> bool:
    """NGAY_SINH compares only what it gives: the year, and month and day unless 00."""
    year, month, day = int(birth[:4]), int(birth[4:6]), int(birth[6:8])
    return year == dob.year and (month == 0 or month == dob.month) and (day == 0 or day == dob.day)


def _card_errors(index: int, row: dict, cards: dict) -> tuple[Any, list[VisitError]]:
    """(the card valid on NGAY_VAO for this holder, errors)."""
    def err(name, rule, message):
        return VisitError(index, row["ma_lk"], name, rule, message)

    known = [cards[n] for n in row["card_numbers"] if n in cards]
    if not known:
        return None, [err("MA_THE_BHYT", "card_unknown", "No such card.")]
    day = copay.local_day(row["admitted_at"])
    valid = [(c, p) for c, p in known if c.valid_from <= day <= c.valid_to and c.status != CardStatus.REVOKED]
    if not valid:
        return None, [err("MA_THE_BHYT", "card_not_valid", "The card was not valid on NGAY_VAO.")]
    card, person = valid[0]
    problems = []
    if not same_name(person.full_name, row["full_name"]):
        problems.append(err("HO_TEN", "holder_mismatch", "HO_TEN is not the card holder's name."))
    if not _birth_matches(row["birth"], person.date_of_birth):
        problems.append(err("NGAY_SINH", "holder_mismatch", "NGAY_SINH is not the card holder's."))
    if row["gender"] in GENDER and GENDER[row["gender"]] != person.gender:
        problems.append(err("GIOI_TINH", "holder_mismatch", "GIOI_TINH is not the card holder's."))
    return (None if problems else card), problems


# ---- writing -------------------------------------------------------------------------------------

def _visit_values(row: dict, card, facility_code: str, submission_id: str, now: datetime) -> dict:
    t = row["totals"]
    return {
        "id": new_id(), "admitted_at": row["admitted_at"], "facility_code": facility_code, "ma_lk": row["ma_lk"],
        "submission_id": submission_id, "person_id": card.person_id, "card_id": card.id, "ma_bn": row["ma_bn"],
        "full_name": row["full_name"], "cccd": row["cccd"], "birth": row["birth"], "gender": row["gender"],
        "card_number": ";".join(row["card_numbers"]), "registered_facility": row["registered_facility"],
        "card_valid_from": ";".join(row["valid_from"]), "card_valid_to": ";".join(row["valid_to"]),
        "main_icd": row["main_icd"], "other_icd": row["other_icd"], "diagnosis": row["diagnosis"],
        "visit_type": row["visit_type"], "arrival_code": row["arrival_code"],
        "discharged_at": row["discharged_at"], "treatment_result": row["treatment_result"],
        "discharge_type": row["discharge_type"], "total": t["T_TONGCHI_BV"], "insured_total": t["T_TONGCHI_BH"],
        "self_paid": t["T_BNTT"], "copay": t["T_BNCCT"], "fund_paid": t["T_BHTT"], "received_at": now,
    }


def _write(session: Session, facility_code: str, values: list[dict]) -> set[str]:
    """Replace and insert; the MA_LKs that replaced an earlier visit."""
    if session.get_bind().dialect.name == "sqlite":
        # pysqlite opens its transaction at the first write, and SELECT ... FOR UPDATE does not
        # exist there: a write first takes SQLite's one write lock before the keys are read.
        session.execute(update(CopayYear).where(false()).values(year=CopayYear.year))
    persons = sorted({v["person_id"] for v in values})
    session.execute(select(InsuredPerson.id).where(InsuredPerson.id.in_(persons))
                    .order_by(InsuredPerson.id).with_for_update())
    keys = [v["ma_lk"] for v in values]
    old = session.execute(select(VisitKey.ma_lk, VisitKey.visit_id, VisitKey.admitted_at)
                          .where(VisitKey.facility_code == facility_code, VisitKey.ma_lk.in_(keys))
                          .with_for_update()).all()
    pairs = {(v["person_id"], copay.local_day(v["discharged_at"]).year) for v in values}
    if old:
        ids = [(o.visit_id, o.admitted_at) for o in old]
        for person_id, out in session.execute(select(Visit.person_id, Visit.discharged_at)
                                              .where(tuple_(Visit.id, Visit.admitted_at).in_(ids))):
            pairs.add((person_id, copay.local_day(out).year))
        session.execute(delete(Visit).where(Visit.id.in_([i for i, _ in ids]),
                                            Visit.admitted_at.in_({a for _, a in ids})))
        session.execute(delete(VisitKey).where(VisitKey.facility_code == facility_code,
                                               VisitKey.ma_lk.in_([o.ma_lk for o in old])))
    session.execute(insert(VisitKey), [{"facility_code": facility_code, "ma_lk": v["ma_lk"], "visit_id": v["id"],
                                        "admitted_at": v["admitted_at"]} for v in values])
    session.execute(insert(Visit), values)
    copay.recompute(session, pairs)
    return {o.ma_lk for o in old}


def record(session: Session, facility_code: str, raw_visits: Any, *, strict: bool = True) -> Recorded:
    """Validate and store a file of visits for `facility_code` (all or none); VisitsRefused names
    every error. Commits."""
    rows, problems = validate_file(raw_visits, facility_code, strict)
    cards = _cards_of(session, rows) if rows else {}
    chosen = []
    for row in rows:
        card, errs = _card_errors(row["index"], row, cards)
        problems.extend(errs)
        chosen.append(card)
    if problems:
        session.rollback()
        raise VisitsRefused(sorted(problems, key=lambda e: (e.index, e.field)))
    submission_id, now = new_id(), clock.now()
    values = [_visit_values(r, c, facility_code, submission_id, now) for r, c in zip(rows, chosen)]
    for attempt in (1, 2):
        try:
            replaced = _write(session, facility_code, values)
            result = Recorded(submission_id, now, facility_code, [
                RecordedVisit(v["ma_lk"], v["id"], v["person_id"], v["ma_lk"] in replaced, v["admitted_at"])
                for v in values])
            notify_recorded(session, result)
            session.commit()
            break
        except IntegrityError:  # a concurrent file inserted one of these new keys first: its lock now holds
            session.rollback()
            if attempt == 2:
                raise errors.Conflict("Another file with these MA_LK is being recorded; retry.",
                                      code="visits_conflict") from None
    return result


# ---- reading -------------------------------------------------------------------------------------

def _item(v: Visit, facility_name: str | None) -> dict:
    return {
        "visit_id": v.id, "ma_lk": v.ma_lk,
        "facility": {"code": v.facility_code, "name": facility_name},
        "admitted_at": v.admitted_at.astimezone(copay.VN).isoformat(),
        "discharged_at": v.discharged_at.astimezone(copay.VN).isoformat(),
        "visit_type": v.visit_type, "inpatient": v.visit_type in ("03", "04", "06", "09"),
        "diagnosis": {"code": v.main_icd, "name": icd10.title(v.main_icd), "text": v.diagnosis},
        "other_diagnoses": v.other_icd.split(";") if v.other_icd else [],
        "totals": {"total": float(v.total), "insurance_paid": float(v.fund_paid),
                   "patient_paid": float(v.copay + v.self_paid), "copay": float(v.copay),
                   "self_paid": float(v.self_paid)},
    }


def person_visits_stmt(person_id: int):
    """One person's visits, newest first (GET /me/visits, Lskcb2025)."""
    return (select(Visit, Facility.name).outerjoin(Facility, Facility.code == Visit.facility_code)
            .where(Visit.person_id == person_id).order_by(Visit.admitted_at.desc(), Visit.id.desc()))


def item(row) -> dict:
    visit, name = row
    return _item(visit, name)


def history(session: Session, person_id: int, limit: int = 50) -> list[tuple[Visit, str | None]]:
    return [tuple(r) for r in session.execute(person_visits_stmt(person_id).limit(limit)).all()]


def clinic_visit(session: Session, facility_code: str, ma_lk: str) -> dict:
    """A visit this facility recorded, by its MA_LK; another facility's is not found (404)."""
    found = session.execute(
        select(Visit, Facility.name).join(VisitKey, (VisitKey.visit_id == Visit.id)
                                          & (VisitKey.admitted_at == Visit.admitted_at))
        .outerjoin(Facility, Facility.code == Visit.facility_code)
        .where(VisitKey.facility_code == facility_code, VisitKey.ma_lk == ma_lk)).first()
    if found is None:
        raise errors.NotFound("No visit with this MA_LK was recorded by this facility.", code="visit_not_found")
    return _item(*found)
