"""The base salary (lương cơ sở), effective-dated: one table, read by every rule that multiplies it
(the co-payment ceiling here; household contributions and the contribution cap may read it too).

A single number would silently re-price every past year at the next raise: a figure is always
taken on a day. Sources: NĐ 24/2023/NĐ-CP (1,800,000 VND from 2023-07-01) and NĐ 73/2024/NĐ-CP
(2,340,000 VND from 2024-07-01). Earlier days answer the earliest figure held.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date

# (first day in force, VND per month), sorted by day.
SCHEDULE: tuple[tuple[date, int], ...] = (
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 7, 1), 2_340_000),
)
_DAYS = [day for day, _ in SCHEDULE]


def on(day: date) -> int:
    """The base salary in force on `day` (VND per month)."""
    index = bisect_right(_DAYS, day) - 1
    return SCHEDULE[max(index, 0)][1]


def base_salary_on(day: date) -> int:
    """`on`, but strict: LookupError before the first row (a household quote must never price a day
    the schedule does not cover with the earliest figure)."""
    if day < _DAYS[0]:
        raise LookupError(f"no base salary known for {day.isoformat()}")
    return on(day)
