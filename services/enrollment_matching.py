"""Báo tăng integrity: which insured person a row is, and whether another unit's employment holds
that person's card (CONTRACT §6a; docs/employer.md, "Who a row is").

- A row is the record that carries its CCCD; else the record of its `bhxh_code` (same identity);
  else the one record without a CCCD whose name, date of birth and gender are the identity the
  registry just confirmed for the row (a legacy record); two or more such records:
  `ambiguous_person`, and no new record is made. Only when none matches is a person created.
- Multi-employer rule: a person actively employed by another unit keeps the card that unit's
  enrollment put there. The row is accepted as a further employment when it names the facility of
  that card (the card is then not written at all: no facility, validity or status change), else it
  is rejected `employed_elsewhere`.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Card, Employment, InsuredPerson
from services import batch_rows
from services.enrollment_rows import Row
from services.names import same_name

_PERSON_COLS = (InsuredPerson.id, InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name,
                InsuredPerson.date_of_birth, InsuredPerson.gender, InsuredPerson.phone)


def legacy_by_identity(session: Session, rows: Iterable[Row]) -> dict[tuple[date, str], list[dict]]:
    """Records without a CCCD, by (date of birth, gender), for the given rows' birth dates."""
    out: dict[tuple[date, str], list[dict]] = {}
    dobs = sorted({r.date_of_birth for r in rows})
    for chunk in batch_rows.chunks(dobs):
        for found in session.execute(select(*_PERSON_COLS).where(
                InsuredPerson.cccd.is_(None), InsuredPerson.date_of_birth.in_(chunk))):
            rec = found._asdict()
            out.setdefault((rec["date_of_birth"], rec["gender"]), []).append(rec)
    return out


def _by_identity(r: Row, legacy: dict) -> tuple[dict | None, str | None, dict | None]:
    matches = [p for p in legacy.get((r.date_of_birth, r.gender), ()) if same_name(p["full_name"], r.full_name)]
    if len(matches) > 1:
        return None, "ambiguous_person", {"_row": [
            f"{len(matches)} insurance records without a CCCD have this name, date of birth and gender; "
            "give the BHXH code of this employee's record."]}
    return (matches[0] if matches else None), None, None


def resolve_person(r: Row, by_cccd: dict, by_bhxh: dict, legacy: dict) -> tuple[dict | None, str | None, dict | None]:
    """(existing person or None for a new one, rejection code, errors)."""
    found = by_cccd.get(r.cccd)
    if r.bhxh_code is None:
        return (found, None, None) if found is not None else _by_identity(r, legacy)
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


def _cards_held_elsewhere(session: Session, unit_code: str, person_ids: list[int]) -> dict[int, Any]:
    """person id -> (card id, card number, facility) of the latest active employment in another unit."""
    out: dict[int, Any] = {}
    for chunk in batch_rows.chunks(sorted(set(person_ids))):
        rows = session.execute(
            select(Employment.person_id, Card.id, Card.card_number, Card.facility_code)
            .join(Card, Card.id == Employment.card_id)
            .where(Employment.active.is_(True), Employment.unit_code != unit_code, Employment.person_id.in_(chunk))
            .order_by(Employment.person_id, Employment.from_month, Employment.id))
        for person_id, card_id, number, facility in rows:
            out[person_id] = (card_id, number, facility)  # ordered: the latest employment wins
    return out


def keep_other_units_cards(session: Session, unit_code: str, plans: list, results: dict) -> list:
    """Apply the multi-employer rule to plans of existing persons; the rejected leave the list."""
    held = _cards_held_elsewhere(session, unit_code, [p.person_id for p in plans if p.person_id])
    kept = []
    for plan in plans:
        card = held.get(plan.person_id)
        if card is None:
            kept.append(plan)
        elif card[2] == plan.row.facility_code:
            plan.card_id, plan.card_number, plan.keep_card = card[0], card[1], True
            kept.append(plan)
        else:
            results[plan.row.row] = batch_rows.rejected(plan.row.row, "employed_elsewhere", {
                "primary_care_facility_code": [
                    f"An active employment with another unit holds this person's card at facility {card[2]}; "
                    "a further employment keeps that facility."]}, contribution=None)
    return kept
