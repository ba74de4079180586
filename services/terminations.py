"""Báo giảm: end employments of this unit and report their cards decreased (CONTRACT §6).

A row names the person by `cccd` or `bhxh_code` (both: they must be the same person). Someone
who is not an active employee of THIS unit (unknown, another unit's, already ended, or named twice
in the batch) is rejected `not_employed`, whichever the reason, so an employer learns nothing
about people it does not employ. The card goes `reported_decreased` with the reason (clinic
codes 124 / 121 / 122), `status_changed_at` now and `valid_to` the last day of `end_month`,
unless another unit still actively employs the person on the same card (same province), or an
officer revoked it (a revocation is never downgraded).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from card_codes import CardStatus, DecreaseReason
from models import Card, Employment, InsuredPerson
from services import audit, bulk_sql, notifications
from services.batch_rows import (
    Employer,
    chunks,
    month_str,
    parse_month,
    rejected,
    text_field,
    unknown_fields,
)
from services.identifiers import check_bhxh, check_cccd

FIELDS = ("cccd", "bhxh_code", "end_month", "reason")
# An employer reports these; reenrolled_same_unit is the agency's own (an import may carry it).
REASONS = tuple(r.value for r in DecreaseReason if r is not DecreaseReason.REENROLLED_SAME_UNIT)


@dataclass
class Row:
    row: int
    cccd: str | None
    bhxh_code: str | None
    end_month: date
    reason: str


@dataclass
class Prepared:
    received: int
    rejected: dict[int, dict] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _validate(raw: Any, index: int, today: date) -> Row | dict:
    if not isinstance(raw, dict):
        return {"_row": ["Each employee must be an object."]}
    errors: dict[str, list[str]] = {}
    unknown_fields(raw, FIELDS, errors)
    cccd = text_field(raw, "cccd", errors, required=False, max_len=12)
    if cccd is not None and check_cccd(cccd):
        errors["cccd"] = check_cccd(cccd)
    bhxh = text_field(raw, "bhxh_code", errors, required=False, max_len=10)
    if bhxh is not None and check_bhxh(bhxh):
        errors["bhxh_code"] = check_bhxh(bhxh)
    if cccd is None and bhxh is None and "cccd" not in errors and "bhxh_code" not in errors:
        errors["cccd"] = ["Give cccd or bhxh_code."]
    end = parse_month(raw.get("end_month"), errors, "end_month", today)
    reason = raw.get("reason")
    if reason is None or reason == "":
        errors["reason"] = ["Missing data for required field."]
    elif reason not in REASONS:
        errors["reason"] = [f"Must be one of: {', '.join(REASONS)}."]
    if errors:
        return errors
    return Row(index, cccd, bhxh, end, reason)


def prepare(raw_rows: list) -> Prepared:
    today = clock.today()
    prep = Prepared(received=len(raw_rows))
    for index, raw in enumerate(raw_rows, start=1):
        checked = _validate(raw, index, today)
        if isinstance(checked, dict):
            prep.rejected[index] = rejected(index, "validation_error", checked)
        else:
            prep.rows.append(checked)
    return prep


def _persons(session: Session, column, values: list[str]) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for chunk in chunks(sorted(set(values))):
        for pid, code, key in session.execute(
                select(InsuredPerson.id, InsuredPerson.bhxh_code, column).where(column.in_(chunk))):
            out[key] = (pid, code)
    return out


def apply(session: Session, batch_id: str, prep: Prepared, employer: Employer) -> dict:
    now = clock.now()
    results: dict[int, dict] = dict(prep.rejected)
    by_cccd = _persons(session, InsuredPerson.cccd, [r.cccd for r in prep.rows if r.cccd])
    by_bhxh = _persons(session, InsuredPerson.bhxh_code, [r.bhxh_code for r in prep.rows if r.bhxh_code])
    wanted: list[tuple[Row, int, str]] = []
    for r in prep.rows:
        a = by_cccd.get(r.cccd) if r.cccd else None
        b = by_bhxh.get(r.bhxh_code) if r.bhxh_code else None
        person = a or b
        if person is None or (r.cccd and r.bhxh_code and a != b):
            results[r.row] = _not_employed(r.row)
            continue
        wanted.append((r, *person))

    employments: dict[int, tuple[int, date, str | None]] = {}
    for chunk in chunks(sorted({pid for _, pid, _ in wanted})):
        for eid, pid, from_month, card_id in session.execute(
                select(Employment.id, Employment.person_id, Employment.from_month, Employment.card_id)
                .where(Employment.unit_code == employer.unit_code, Employment.active.is_(True),
                       Employment.person_id.in_(chunk))
                .with_for_update()):
            employments[pid] = (eid, from_month, card_id)

    ended: list[dict] = []
    cards: dict[str, tuple[Row, str]] = {}
    done: list[tuple[Row, str]] = []
    for r, pid, code in wanted:
        found = employments.pop(pid, None)  # pop: the same person twice -> the second is not_employed
        if found is None:
            results[r.row] = _not_employed(r.row)
            continue
        eid, from_month, card_id = found
        if r.end_month < from_month:
            results[r.row] = rejected(r.row, "validation_error", {
                "end_month": [f"Before the start month {month_str(from_month)} of this employment."]})
            employments[pid] = found
            continue
        ended.append({"id": eid, "to_month": r.end_month, "active": False, "end_reason": r.reason,
                      "end_batch_id": batch_id})
        if card_id:
            cards[card_id] = (r, eid)
        done.append((r, code))

    bulk_sql.update_rows(session, Employment, ended)
    card_numbers = _decrease_cards(session, cards, now)
    for r, code in done:
        results[r.row] = {"row": r.row, "status": "terminated", "bhxh_code": code,
                          "card_number": card_numbers.get(code), "code": None, "errors": {}}
    answer = {"batch_id": batch_id, "received": prep.received, "terminated": len(done),
              "rejected": prep.received - len(done), "results": [results[i] for i in sorted(results)]}
    codes = {code for _r, code in done}
    notifications.notify_persons(session, "reported_decreased", {pid: {
        "unit_code": employer.unit_code, "reason": r.reason, "end_month": month_str(r.end_month)}
        for r, pid, code in wanted if code in codes})
    audit.record(session, ("client", employer.client_id), "employer.termination", ("batch", batch_id), {
        "unit_code": employer.unit_code, "received": answer["received"], "terminated": answer["terminated"],
        "rejected": answer["rejected"]})
    return answer


def _decrease_cards(session: Session, cards: dict[str, tuple[Row, int]], now) -> dict[str, str]:
    """Report the ended employments' cards decreased; {bhxh_code: card_number} of those cards."""
    ids = sorted(cards)
    still_used: set[str] = set()
    info: dict[str, tuple[str, str, str]] = {}
    for chunk in chunks(ids):
        still_used.update(session.scalars(select(Employment.card_id).where(
            Employment.card_id.in_(chunk), Employment.active.is_(True))))
        for cid, number, status in session.execute(
                select(Card.id, Card.card_number, Card.status).where(Card.id.in_(chunk))):
            info[cid] = (number, status, number[-10:])
    changes = []
    for cid in ids:
        number, status, _ = info[cid]
        if cid in still_used or status == CardStatus.REVOKED:
            continue
        r, _eid = cards[cid]
        changes.append({"id": cid, "status": CardStatus.REPORTED_DECREASED.value, "status_reason": r.reason,
                        "status_changed_at": now, "valid_to": last_day(r.end_month)})
    bulk_sql.update_rows(session, Card, changes)
    return {code: number for number, _status, code in info.values()}


def _not_employed(row: int) -> dict:
    return rejected(row, "not_employed", {"_row": ["Not an active employee of this unit."]})
