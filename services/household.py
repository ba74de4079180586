"""The household (hộ gia đình) renewal quote (docs/family.md): who in the caller's registry
household pays, in which tier, and how much for 1 to 12 months, in whole VND.

Who pays: every member except those covered otherwise on the first day of the period: a child
under 6 (free TE card) or a member whose current card of another scheme (object code not GD) is
active that day. Order of the paying members: the caller first, then the others oldest first
(then by CCCD), so a quote never changes between two calls. The base salary is the one in force
on the first day of the period, for the whole period (a later rise is not charged for months
already paid).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
import errors
from card_codes import CardStatus
from models import Card, InsuredPerson
from services import audit, contributions, people
from services.base_salary import base_salary_on

MIN_MONTHS, MAX_MONTHS = 1, 12
MAX_MONTHS_AHEAD = 12
HOUSEHOLD_OBJECT_CODE = "GD"
FREE_UNDER_AGE = 6


NOT_LINKED_DETAIL = "Link your CCCD to an insurance record first (POST /me/link)."


def next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _covered(session: Session, cccds: list[str], day: date) -> set[str]:
    """Members whose current card of another scheme is active on `day`."""
    rows = session.execute(
        select(InsuredPerson.cccd).join(Card, Card.person_id == InsuredPerson.id)
        .where(InsuredPerson.cccd.in_(cccds), Card.object_code != HOUSEHOLD_OBJECT_CODE,
               Card.status == CardStatus.ACTIVE, Card.valid_from <= day, Card.valid_to >= day))
    return {cccd for (cccd,) in rows if cccd is not None}


def quote(session: Session, registry: Any, account_id: int, months: int, start: date | None,
          actor: tuple[str, str | None]) -> dict:
    """GET /me/household/contribution-quote. Raises NotLinked, ValidationFailed or RegistryUnavailable."""
    today = clock.today()
    start = start or next_month(today)
    if not 0 <= _months_between(today, start) <= MAX_MONTHS_AHEAD:
        raise errors.ValidationFailed({"start_month": [
            f"start_month must be this month or up to {MAX_MONTHS_AHEAD} months ahead."]})
    me = people.linked_person(session, account_id, NOT_LINKED_DETAIL)
    if me.cccd is None:
        raise errors.NotLinked(NOT_LINKED_DETAIL)
    members = registry.household(session, me.cccd) or [(me.cccd, me.full_name, me.date_of_birth, me.gender)]
    if me.cccd not in {m[0] for m in members}:  # the registry answered someone else's household
        members = [(me.cccd, me.full_name, me.date_of_birth, me.gender), *members]
    covered = _covered(session, [m[0] for m in members], start)
    members = sorted(members, key=lambda m: (m[0] != me.cccd, m[2], m[0]))
    base = base_salary_on(start)
    out, position = [], 0
    for cccd, name, dob, gender in members:
        reason = ("child_under_6" if _age_on(dob, start) < FREE_UNDER_AGE
                  else "covered" if cccd in covered else None)
        entry = {"full_name": name, "date_of_birth": dob.isoformat(), "gender": gender, "is_me": cccd == me.cccd,
                 "pays": reason is None, "reason": reason, "position": None, "rate_percent_of_first": None,
                 "monthly": None, "amount": None}
        if reason is None:
            position += 1
            monthly = contributions.household_monthly(base, position)
            entry.update(position=position, rate_percent_of_first=contributions.household_tier_percent(position),
                         monthly=monthly, amount=monthly * months)
        out.append(entry)
    monthly_total = sum(e["monthly"] or 0 for e in out)
    audit.record(session, actor, "household.quoted", ("insured_person", me.id), {"members": len(out)})
    session.commit()
    return {"household_code": _household_code(session, me.cccd), "start_month": start.strftime("%Y-%m"),
            "months": months, "base_salary": base, "first_member_permille": contributions.HOUSEHOLD_FIRST_PERMILLE,
            "members": out, "monthly_total": monthly_total, "total": monthly_total * months}


def _household_code(session: Session, cccd: str) -> str | None:
    from models import RegistryRecord

    return session.scalar(select(RegistryRecord.household_code).where(RegistryRecord.cccd == cccd))
