"""The co-payment ceiling (NĐ 188/2025/NĐ-CP Art. 18; Luật BHYT Art. 22): a person with five
continuous years of insurance (`five_year_date` on the card) whose co-payments (T_BNCCT) in one
calendar year add up to more than 6 x the base salary pays no co-payment for the rest of that year.

Rules as built (docs/visits.md):
- a visit counts in the year of its NGAY_RA (Vietnam time), with every visit of that year;
- the ceiling is 6 x the base salary in force on the day of the visit that takes the sum over it
  (services/base_salary.py), and "more than" is strict: exactly 6 x is not over;
- the exemption runs from the later of that day and `five_year_date`, to 31 December; a person
  without five continuous years by the end of the year is not exempt, whatever they paid.

`copay_years` holds, per person and year, the sum and the day it went over, recomputed from the
person's visits whenever one of them is written (in the same transaction).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

import clock
from models import CopayYear, Visit
from services import base_salary

CEILING_MONTHS = 6
VN = timezone(timedelta(hours=7))


def ceiling(day: date) -> int:
    return CEILING_MONTHS * base_salary.on(day)


def local_day(at: datetime) -> date:
    return at.astimezone(VN).date()


def over_ceiling_on(entries: Iterable[tuple[date, Decimal]]) -> date | None:
    """The first day the running sum of (day, amount) entries is over the ceiling of that day."""
    running = Decimal(0)
    for day, amount in sorted(entries):
        running += amount
        if running > ceiling(day):
            return day
    return None


def recompute(session: Session, pairs: set[tuple[int, int]]) -> None:
    """Rewrite the copay_years rows of these (person, year) pairs from the visits as they now are
    (the caller holds the persons' row locks, so concurrent files cannot both miss each other)."""
    if not pairs:
        return
    persons = sorted({p for p, _ in pairs})
    first_year = min(y for _, y in pairs)
    since = datetime(first_year - 1, 1, 1, tzinfo=VN)  # admitted the year before, discharged in it
    entries: dict[tuple[int, int], list] = defaultdict(list)
    for chunk in _chunks(persons, 2000):
        for person_id, out, amount in session.execute(
                select(Visit.person_id, Visit.discharged_at, Visit.copay)
                .where(Visit.person_id.in_(chunk), Visit.admitted_at >= since)):
            day = local_day(out)
            if (person_id, day.year) in pairs:
                entries[(person_id, day.year)].append((day, Decimal(amount)))
    for chunk in _chunks(persons, 2000):
        session.execute(delete(CopayYear).where(CopayYear.person_id.in_(chunk),
                                                CopayYear.year.in_({y for _, y in pairs})))
    now = clock.now()
    rows = [{"person_id": p, "year": y, "paid": sum((a for _, a in entries[(p, y)]), Decimal(0)),
             "over_ceiling_on": over_ceiling_on(entries[(p, y)]), "updated_at": now}
            for p, y in sorted(pairs) if entries.get((p, y))]
    if rows:
        session.execute(insert(CopayYear), rows)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ---- reading -------------------------------------------------------------------------------------

def columns(person_id_column) -> list:
    """Three scalar subqueries (year, paid, over_ceiling_on of the person's latest copay year), for
    the hot paths that read a card in one statement (the card check, GET /me/card)."""
    t = CopayYear.__table__

    def latest(col):
        return (select(col).where(t.c.person_id == person_id_column).order_by(t.c.year.desc()).limit(1)
                .correlate_except(t).scalar_subquery())

    return [latest(t.c.year), latest(t.c.paid), latest(t.c.over_ceiling_on)]


def view(latest: tuple[Any, Any, Any] | None, five_year_date: date | None, today: date | None = None) -> dict:
    """The co-payment state this year: `{year, paid, ceiling, five_years, exempt, exempt_from}`;
    `latest` is (year, paid, over_ceiling_on) of the newest copay row, or None."""
    today = today or clock.today()
    _year, paid, over_on = latest if latest and latest[0] == today.year else (today.year, 0, None)
    if isinstance(over_on, datetime):
        over_on = over_on.date()
    exempt_from = None
    if over_on is not None and five_year_date is not None and five_year_date <= date(today.year, 12, 31):
        exempt_from = max(over_on, five_year_date)
    return {
        "year": today.year,
        "paid": float(Decimal(paid or 0)),
        "ceiling": ceiling(today),
        "five_years": five_year_date is not None and five_year_date <= today,
        "exempt": exempt_from is not None and exempt_from <= today,
        "exempt_from": exempt_from.isoformat() if exempt_from else None,
    }


def of_card(row, renewed=None) -> dict:
    """The co-payment state of a checked card's holder (a services.cards.CardRow); five continuous
    years as the current card (the replacement, when there is one) states them."""
    return view(row.copay, (renewed or row).card.five_year_date)
