"""Newborn cards from birth registrations (docs/family.md): `flask births import FILE.csv` and
`POST /births` (the birth-registration system's client) both end in `register`.

A registration issues, in one transaction: an insured person with a new BHXH code and the
child's số định danh, a TE1 card (free; valid from the date of birth to the day before the 6th
birthday, or to 30 September of that year when that is later and the child has not started
school), the facility of the mother's current card (else the guardian's, else the father's,
else the registration's own `facility_code`), the registration row, and, when the local
registry has no row for the child yet, the child's registry row with its parents.

Re-sending a registration (same `registration_id`, same child) answers the first result and
writes nothing; the same id for another child, or another id for a registered child, is 409.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
import errors
from card_codes import CardStatus
from models import BirthRegistration, Card, Facility, InsuredPerson, RegistryRecord, new_id
from privacy import mask_tail
from services import audit, bhxh_codes, campaign, provinces
from services.card_rows import new_card_values
from services.identifiers import (
    CCCD_RE,
    FACILITY_RE,
    GENDERS,
    PROVINCES,
    card_number,
    check_cccd,
)

OBJECT_CODE, BENEFIT_LEVEL = "TE", 1
FREE_UNTIL_AGE = 6
SCHOOL_YEAR_END = (9, 30)  # 30 September
MAX_AGE_DAYS = 366  # a birth registered up to a year late; older children are not newborns
PARENTS = ("mother_cccd", "guardian_cccd", "father_cccd")  # whose facility, in this order
_REG_ID_RE = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}\Z", re.ASCII)


class RegistrationConflict(errors.Conflict):
    code = "registration_conflict"
    detail = "This registration id or child is already registered with other details."


class AlreadyInsured(errors.Conflict):
    code = "already_insured"
    detail = "The child already has an insurance record."


@dataclass(frozen=True)
class Birth:
    registration_id: str
    cccd: str
    full_name: str
    date_of_birth: date
    gender: str
    province_code: str
    mother_cccd: str | None = None
    father_cccd: str | None = None
    guardian_cccd: str | None = None
    facility_code: str | None = None


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def te_valid_to(date_of_birth: date, started_school: bool = False) -> date:
    """The last day of a TE card: the day before the 6th birthday, or 30 September of that year
    when that is later and the child has not started school (a newborn has not)."""
    sixth = add_years(date_of_birth, FREE_UNTIL_AGE)
    day_before = sixth - timedelta(days=1)
    if started_school:
        return day_before
    return max(day_before, date(sixth.year, *SCHOOL_YEAR_END))


def problems(b: Birth, today: date) -> dict[str, list[str]]:
    """Every field problem of a registration (empty when it can be registered)."""
    out: dict[str, list[str]] = {}
    if not _REG_ID_RE.match(b.registration_id or ""):
        out["registration_id"] = ["1 to 64 letters, digits or _ . : / -"]
    if not b.full_name or len(b.full_name) > 200:
        out["full_name"] = ["1 to 200 characters"]
    if b.gender not in GENDERS:
        out["gender"] = ["male or female"]
    if not (today - timedelta(days=MAX_AGE_DAYS) <= b.date_of_birth <= today):
        out["date_of_birth"] = [f"a birth of the last {MAX_AGE_DAYS} days, not in the future"]
    cccd_problems = check_cccd(b.cccd or "", b.date_of_birth, b.gender if b.gender in GENDERS else None)
    if cccd_problems:
        out["cccd"] = cccd_problems
    if b.province_code not in PROVINCES:
        out["province_code"] = ["a 2-digit province code"]
    parents = [getattr(b, p) for p in PARENTS]
    for name, value in zip(PARENTS, parents, strict=True):
        if value is not None and (not CCCD_RE.match(value) or value == b.cccd):
            out[name] = ["a 12-digit CCCD, not the child's"]
    if not any(parents):
        out["mother_cccd"] = ["at least one of mother_cccd, father_cccd, guardian_cccd is needed"]
    if b.facility_code is not None and not FACILITY_RE.match(b.facility_code):
        out["facility_code"] = ["a 5-digit facility code"]
    return out


def _parent_facility(session: Session, b: Birth, today: date) -> str | None:
    """The facility of the first parent (mother, guardian, father) whose current card is active."""
    for parent in (getattr(b, p) for p in PARENTS):
        if parent is None:
            continue
        code = session.scalar(
            select(Card.facility_code).join(InsuredPerson, InsuredPerson.id == Card.person_id)
            .where(InsuredPerson.cccd == parent, Card.status == CardStatus.ACTIVE, Card.valid_from <= today,
                   Card.valid_to >= today)
            .order_by(Card.valid_from.desc(), Card.created_at.desc()).limit(1))
        if code is not None:
            return code
    return None


def _answer(reg: BirthRegistration, person: InsuredPerson, card: Card) -> dict:
    return {"registration_id": reg.registration_id, "bhxh_code": person.bhxh_code, "card_number": card.card_number,
            "object_code": card.object_code, "benefit_level": card.benefit_level,
            "valid_from": card.valid_from.isoformat(), "valid_to": card.valid_to.isoformat(),
            "facility_code": card.facility_code}


def _replay(session: Session, b: Birth) -> dict | None:
    """The first answer for a re-sent registration; None when it is new; 409 on a conflict."""
    found = session.execute(
        select(BirthRegistration, InsuredPerson, Card)
        .join(InsuredPerson, InsuredPerson.id == BirthRegistration.person_id)
        .join(Card, Card.id == BirthRegistration.card_id)
        .where((BirthRegistration.registration_id == b.registration_id) | (BirthRegistration.child_cccd == b.cccd))
    ).all()
    if not found:
        return None
    reg, person, card = found[0]
    if len(found) > 1 or reg.registration_id != b.registration_id or reg.child_cccd != b.cccd:
        raise RegistrationConflict()
    return _answer(reg, person, card)


def register(session: Session, b: Birth, *, source: str, client_id: str | None = None) -> tuple[dict, bool]:
    """(answer, created). Flushes, does not commit: the caller commits one registration or a file."""
    today = clock.today()
    found = problems(b, today)
    if found:
        raise errors.ValidationFailed(found)
    replay = _replay(session, b)
    if replay is not None:
        return replay, False
    if session.scalar(select(InsuredPerson.id).where(InsuredPerson.cccd == b.cccd)) is not None:
        raise AlreadyInsured()
    facility = _parent_facility(session, b, today) or b.facility_code
    if facility is None or session.get(Facility, facility) is None:
        raise errors.ValidationFailed({"facility_code": [
            "no parent's active card names a facility: give a known facility_code"]})
    now = clock.now()
    bhxh = bhxh_codes.generate(session, 1, b.province_code)[0]
    person = InsuredPerson(bhxh_code=bhxh, cccd=b.cccd, full_name=b.full_name, date_of_birth=b.date_of_birth,
                           gender=b.gender, created_at=now, updated_at=now)
    session.add(person)
    session.flush()
    card = Card(**new_card_values(
        id=new_id(), card_number=card_number(OBJECT_CODE, BENEFIT_LEVEL, b.province_code, bhxh), person_id=person.id,
        object_code=OBJECT_CODE, benefit_level=BENEFIT_LEVEL, province_code=b.province_code, facility_code=facility,
        valid_from=b.date_of_birth, valid_to=te_valid_to(b.date_of_birth),
        issuing_agency=provinces.issuing_agency(b.province_code, today), now=now))
    session.add(card)
    session.flush()
    reg = BirthRegistration(registration_id=b.registration_id, child_cccd=b.cccd, person_id=person.id,
                            card_id=card.id, mother_cccd=b.mother_cccd, father_cccd=b.father_cccd,
                            guardian_cccd=b.guardian_cccd, source=source, client_id=client_id, received_at=now)
    session.add(reg)
    if session.get(RegistryRecord, b.cccd) is None:
        session.add(RegistryRecord(cccd=b.cccd, full_name=b.full_name, date_of_birth=b.date_of_birth,
                                   gender=b.gender, mother_cccd=b.mother_cccd, father_cccd=b.father_cccd,
                                   guardian_cccd=b.guardian_cccd, updated_at=now))
    session.flush()
    campaign.refresh(session, [person.id])  # a newborn with a card is a participant (docs/campaign.md)
    audit.record(session, ("client", client_id) if client_id else ("system", None), "birth.registered",
                 ("insured_person", person.id), {"cccd": mask_tail(b.cccd), "card_number": mask_tail(card.card_number)})
    return _answer(reg, person, card), True


def register_one(session: Session, b: Birth, client_id: str) -> tuple[dict, bool]:
    """POST /births: one registration, committed; a concurrent twin ends as a replay or a 409."""
    try:
        result = register(session, b, source="api", client_id=client_id)
        session.commit()
        return result
    except IntegrityError:
        session.rollback()
        replay = _replay(session, b)
        if replay is None:
            raise RegistrationConflict() from None
        return replay, False
    except Exception:
        session.rollback()
        raise


# ---- `flask births import FILE.csv` ---------------------------------------------------------------
REQUIRED = ("registration_id", "cccd", "full_name", "date_of_birth", "gender", "province_code")
OPTIONAL = ("mother_cccd", "father_cccd", "guardian_cccd", "facility_code")


def _from_row(row: dict[str, str]) -> tuple[Birth | None, list[str]]:
    try:
        dob = date.fromisoformat(row["date_of_birth"])
    except ValueError:
        return None, [f"date_of_birth: '{row['date_of_birth']}' is not a date (YYYY-MM-DD)"]
    gender = {"nam": "male", "nữ": "female"}.get(row["gender"].casefold(), row["gender"].casefold())
    return Birth(row["registration_id"], row["cccd"], " ".join(row["full_name"].split()), dob, gender,
                 row["province_code"], *(row.get(c) or None for c in OPTIONAL)), []


def import_file(session: Session, path) -> dict[str, int]:
    """Every row checked (line numbers in ImportFailed), then all registered in one transaction or
    none. A row already registered (same id, same child) is left as it is."""
    from services.imports import ImportFailed, read_csv

    failures: list[str] = []
    counts = {"issued": 0, "already_registered": 0}
    for line, row in read_csv(path, REQUIRED, OPTIONAL):
        birth, found = _from_row(row)
        try:
            if birth is None:
                raise errors.ValidationFailed({})
            _, created = register(session, birth, source="csv")
            counts["issued" if created else "already_registered"] += 1
        except errors.ValidationFailed as exc:
            found += [f"{k}: {'; '.join(v)}" for k, v in (exc.errors or {}).items()]
        except errors.AppError as exc:
            found.append(f"{exc.code}: {exc.detail}")
        failures.extend(f"line {line}: {p}" for p in found)
    if failures:
        session.rollback()
        raise ImportFailed(failures)
    audit.record(session, ("system", None), "import.births", None, {"file": str(path).rsplit("/", 1)[-1], **counts})
    session.commit()
    return counts
