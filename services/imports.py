"""CSV imports (CONTRACT §7): population registry, facilities, insured persons with their cards.

Every import reads and checks the whole file first and reports every bad row with its line number;
only a clean file is written, in one transaction, with bulk Core upserts (no ORM object per row),
so a re-run replaces rows by key: facilities by code, registry rows by CCCD, persons by BHXH code,
cards by card number.

Files are UTF-8, with or without a byte-order mark; the first line names the columns (any order,
case and surrounding spaces ignored). Dates are YYYY-MM-DD (dd/mm/yyyy is accepted too, as legacy
exports write it); gender is male/female (Nam/Nữ accepted).
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, literal
from sqlalchemy.orm import Session

import clock
from card_codes import CardStatus, DecreaseReason
from models import Card, Facility, InsuredPerson, RegistryRecord, new_id
from privacy import mask_tail
from services import audit, provinces
from services.birth_dates import stored_columns
from services.card_rows import new_card_values
from services.identifiers import (
    FACILITY_RE,
    OBJECT_CODES,
    PROVINCES,
    card_number,
    check_bhxh,
    check_card_number,
)
from services.import_rows import (  # noqa: F401  (ImportFailed, ImportResult, read_csv: re-exported)
    CHUNK,
    ImportFailed,
    ImportResult,
    Row,
    _birth_date,
    _cccd,
    _date,
    _existing,
    _gender,
    _identity,
    _insert,
    _name,
    _report,
    _upsert,
    read_csv,
)

DECREASE_REASONS = tuple(DecreaseReason)
CARD_STATUSES = tuple(CardStatus)

# --- registry ----------------------------------------------------------------------------------------------

def import_registry(session: Session, path: str | Path) -> ImportResult:
    started = time.perf_counter()
    rows = read_csv(path, ("cccd", "full_name", "date_of_birth", "gender"), ("address",))
    errors: list[str] = []
    seen: dict[str, int] = {}
    now = clock.now()
    out: list[dict] = []
    for line, row in rows:
        problems: list[str] = []
        name, dob, gender = _identity(row, problems)
        cccd = row["cccd"]
        _cccd(cccd, dob, gender, problems)
        address = row.get("address") or None
        if address and len(address) > 500:
            problems.append("address: longer than 500 characters")
        if cccd in seen:
            problems.append(f"cccd: the same CCCD is on line {seen[cccd]}")
        else:
            seen[cccd] = line
        if problems:
            _report(errors, line, problems)
            continue
        out.append({"cccd": cccd, "full_name": name, **stored_columns(dob), "gender": gender,
                    "address": address, "updated_at": now})
    if errors:
        raise ImportFailed(errors)
    table = RegistryRecord.__table__
    _upsert(session, table, out, "cccd", lambda ex: {
        "full_name": ex.full_name, "date_of_birth": ex.date_of_birth,
        "date_of_birth_precision": ex.date_of_birth_precision, "gender": ex.gender,
        "address": ex.address, "updated_at": ex.updated_at})
    audit.record(session, ("system", None), "import.registry", None, {"file": Path(path).name, "rows": len(out)})
    session.commit()
    return ImportResult("registry", len(out), time.perf_counter() - started)


# --- facilities ----------------------------------------------------------------------------------------------

def import_facilities(session: Session, path: str | Path) -> ImportResult:
    started = time.perf_counter()
    rows = read_csv(path, ("code", "name"))
    errors: list[str] = []
    seen: dict[str, int] = {}
    out: list[dict] = []
    for line, row in rows:
        problems: list[str] = []
        code = row["code"].replace(" - ", "").replace(" ", "")  # the old QR writes "79 - 011"
        if not FACILITY_RE.match(code):
            problems.append(f"code: '{row['code']}' is not a 5-digit facility code (mã KCB)")
        elif code[:2] not in PROVINCES:
            problems.append(f"code: {code[:2]} is not a province code (digits 1-2)")
        elif code in seen:
            problems.append(f"code: the same code is on line {seen[code]}")
        else:
            seen[code] = line
        name = " ".join(row["name"].split())
        problem = _name(name, "name", 300)
        if problem:
            problems.append(problem)
        if problems:
            _report(errors, line, problems)
            continue
        out.append({"code": code, "name": name})
    if errors:
        raise ImportFailed(errors)
    _upsert(session, Facility.__table__, out, "code", lambda ex: {"name": ex.name})
    audit.record(session, ("system", None), "import.facilities", None, {"file": Path(path).name, "rows": len(out)})
    session.commit()
    return ImportResult("facility", len(out), time.perf_counter() - started)


# --- insured persons and cards ----------------------------------------------------------------------------------

INSURANCE_COLUMNS = ("bhxh_code", "cccd", "full_name", "date_of_birth", "gender", "object_code", "benefit_level",
                     "province_code", "area_code", "facility_code", "valid_from", "valid_to", "five_year_date",
                     "status")
INSURANCE_OPTIONAL = ("status_reason", "issuing_agency", "address")


def _card_fields(row: dict[str, str], problems: list[str]) -> dict[str, Any]:
    object_code = row["object_code"].upper()
    if object_code not in OBJECT_CODES:
        problems.append(f"object_code: '{row['object_code']}' is not a known object code (mã đối tượng)")
    level = int(row["benefit_level"]) if re.fullmatch(r"[1-5]", row["benefit_level"]) else None
    if level is None:
        problems.append(f"benefit_level: '{row['benefit_level']}' is not 1 to 5")
    province = row["province_code"]
    if province not in PROVINCES:
        problems.append(f"province_code: '{province}' is not a province code")
    area = row["area_code"].upper() or None
    if area not in (None, "K1", "K2", "K3"):
        problems.append(f"area_code: '{row['area_code']}' is not K1, K2, K3 or empty")
    facility = row["facility_code"].replace(" - ", "").replace(" ", "")
    if not FACILITY_RE.match(facility):
        problems.append(f"facility_code: '{row['facility_code']}' is not a 5-digit facility code")
    valid_from, p1 = _date(row["valid_from"], "valid_from")
    valid_to, p2 = _date(row["valid_to"], "valid_to")
    problems.extend(p for p in (p1, p2) if p)
    if valid_from and valid_to and valid_from > valid_to:
        problems.append("valid_to: before valid_from")
    five_year, p3 = _date(row["five_year_date"], "five_year_date") if row["five_year_date"] else (None, None)
    if p3:
        problems.append(p3)
    status = row["status"].lower()
    reason = row.get("status_reason") or None
    if status not in CARD_STATUSES:
        problems.append(f"status: '{row['status']}' is not one of {', '.join(CARD_STATUSES)}")
    elif status == CardStatus.REPORTED_DECREASED:
        # No reason given: stored as none, and a clinic answers 120 (card_codes.decided_code).
        if reason is not None and reason not in DECREASE_REASONS:
            problems.append(f"status_reason: '{reason}' is not one of {', '.join(DECREASE_REASONS)}")
    elif status == CardStatus.ACTIVE:
        reason = None
    agency = row.get("issuing_agency") or None
    if agency and len(agency) > 200:
        problems.append("issuing_agency: longer than 200 characters")
    return {"object_code": object_code, "benefit_level": level, "province_code": province, "area_code": area,
            "facility_code": facility, "valid_from": valid_from, "valid_to": valid_to, "five_year_date": five_year,
            "status": status, "status_reason": reason, "issuing_agency": agency}


def import_insurance(session: Session, path: str | Path) -> ImportResult:
    """Persons by BHXH code and their cards. Facility codes must already be in the facilities table
    (run `flask facilities import` first): a card's facility is a foreign key."""
    started = time.perf_counter()
    rows = read_csv(path, INSURANCE_COLUMNS, INSURANCE_OPTIONAL)
    errors: dict[int, list[str]] = defaultdict(list)
    persons: dict[str, dict] = {}  # bhxh_code -> person row (+ "_line")
    cards: dict[str, dict] = {}  # card number -> card row (+ "_line")
    cccd_owner: dict[str, tuple[str, int]] = {}
    start_days: dict[tuple[str, date], int] = {}
    for line, row in rows:
        problems = errors[line]
        bhxh = row["bhxh_code"]
        problems.extend(f"bhxh_code: {p}" for p in check_bhxh(bhxh))
        name, dob, gender = _identity(row, problems)
        cccd = row["cccd"] or None
        if cccd:
            _cccd(cccd, dob, gender, problems)
        address = row.get("address") or None
        card = _card_fields(row, problems)
        if problems:
            continue
        person = {"bhxh_code": bhxh, "cccd": cccd, "full_name": name, "date_of_birth": dob, "gender": gender,
                  "address": address, "_line": line}
        first = persons.setdefault(bhxh, person)
        if first is not person:
            differs = [k for k in ("cccd", "full_name", "date_of_birth", "gender") if first[k] != person[k]]
            if differs:
                problems.append(f"{', '.join(differs)}: differs from line {first['_line']} of the same bhxh_code")
        if cccd:
            owner = cccd_owner.setdefault(cccd, (bhxh, line))
            if owner[0] != bhxh:
                problems.append(f"cccd: the same CCCD is on line {owner[1]} with another bhxh_code")
        number = card_number(card["object_code"], card["benefit_level"], card["province_code"], bhxh)
        problems.extend(f"card number {number}: {p}" for p in check_card_number(number))
        if number in cards:
            problems.append(f"card number {number}: the same card is on line {cards[number]['_line']}")
        day = start_days.setdefault((bhxh, card["valid_from"]), line)
        if day != line:
            problems.append(f"valid_from: another card of this bhxh_code starts the same day (line {day})")
        if not problems:
            cards[number] = {**card, "card_number": number, "bhxh_code": bhxh, "_line": line}
    _check_against_database(session, persons, cards, errors)
    flat = [f"line {line}: {p}" for line in sorted(errors) for p in errors[line]]
    if flat:
        raise ImportFailed(flat)
    now = clock.now()
    details = _write_insurance(session, persons, cards, now)
    audit.record(session, ("system", None), "import.insurance", None,
                 {"file": Path(path).name, "rows": len(rows), **details})
    session.commit()
    return ImportResult("insurance", len(rows), time.perf_counter() - started, details)


def _check_against_database(session: Session, persons: dict, cards: dict, errors: dict[int, list[str]]) -> None:
    """Facts only the database knows: facilities, CCCDs on other records, linked records."""
    known = {code for (code,) in _existing(session, Facility.code, {c["facility_code"] for c in cards.values()})}
    for c in cards.values():
        if c["facility_code"] not in known:
            errors[c["_line"]].append(f"facility_code: {c['facility_code']} is not in the facilities table "
                                      "(import it with `flask facilities import` first)")
    carried = _existing(session, InsuredPerson.cccd, [p["cccd"] for p in persons.values() if p["cccd"]],
                        InsuredPerson.bhxh_code)
    for cccd, bhxh in carried:
        for p in persons.values():
            if p["cccd"] == cccd and p["bhxh_code"] != bhxh:
                errors[p["_line"]].append(f"cccd: already on the insurance record {mask_tail(bhxh)}")
    linked = _existing(session, InsuredPerson.bhxh_code, persons, InsuredPerson.cccd, InsuredPerson.account_id)
    for bhxh, cccd, account_id in linked:
        p = persons[bhxh]
        if account_id is not None and cccd and p["cccd"] and p["cccd"] != cccd:
            errors[p["_line"]].append("cccd: this record is linked to an app account with another CCCD")


def _write_insurance(session: Session, persons: dict, cards: dict, now: datetime) -> dict[str, int]:
    person_rows = [{k: v for k, v in p.items() if k != "_line"} | stored_columns(p["date_of_birth"])
                   | {"created_at": now, "updated_at": now} for p in persons.values()]
    table = InsuredPerson.__table__
    _upsert(session, table, person_rows, "bhxh_code", lambda ex: {
        # A CCCD already on the record (e.g. from linking) survives an export that lacks it.
        "cccd": func.coalesce(ex.cccd, table.c.cccd),
        "full_name": ex.full_name, "date_of_birth": ex.date_of_birth,
        "date_of_birth_precision": ex.date_of_birth_precision, "gender": ex.gender,
        "address": func.coalesce(ex.address, table.c.address),
        "updated_at": ex.updated_at})
    ids = dict(_existing(session, InsuredPerson.bhxh_code, persons, InsuredPerson.id))
    card_rows = [new_card_values(
        id=new_id(), card_number=c["card_number"], person_id=ids[c["bhxh_code"]], object_code=c["object_code"],
        benefit_level=c["benefit_level"], province_code=c["province_code"], area_code=c["area_code"],
        facility_code=c["facility_code"], valid_from=c["valid_from"], valid_to=c["valid_to"],
        five_year_date=c["five_year_date"], status=c["status"], status_reason=c["status_reason"], now=now,
        issuing_agency=c["issuing_agency"] or provinces.issuing_agency(c["province_code"], c["valid_from"]),
    ) for c in cards.values()]
    cards_t = Card.__table__

    def card_update(ex) -> dict:
        changed = (cards_t.c.status != ex.status) | cards_t.c.status_reason.is_distinct_from(ex.status_reason)
        return {
            "area_code": ex.area_code, "facility_code": ex.facility_code, "valid_from": ex.valid_from,
            "valid_to": ex.valid_to, "five_year_date": ex.five_year_date, "issuing_agency": ex.issuing_agency,
            "status": ex.status, "status_reason": ex.status_reason,
            # Offline verifiers poll by this time: move it only when the status really changes.
            "status_changed_at": case((changed, literal(now, cards_t.c.status_changed_at.type)),
                                      else_=cards_t.c.status_changed_at),
        }

    _upsert(session, cards_t, card_rows, "card_number", card_update)
    return {"persons": len(person_rows), "cards": len(card_rows)}

