"""The base salary (lương cơ sở) in force on a day, VND per month: effective-dated, newest last.

Sources: NĐ 38/2019/NĐ-CP (1,490,000 from 2019-07-01), NĐ 24/2023/NĐ-CP (1,800,000 from
2023-07-01), NĐ 73/2024/NĐ-CP (2,340,000 from 2024-07-01). A new decree is one more row.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date

TABLE: tuple[tuple[date, int], ...] = (
    (date(2019, 7, 1), 1_490_000),
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 7, 1), 2_340_000),
)


def base_salary_on(day: date) -> int:
    """The amount in force on `day`; LookupError before the first row."""
    index = bisect_right([start for start, _ in TABLE], day)
    if index == 0:
        raise LookupError(f"no base salary known for {day.isoformat()}")
    return TABLE[index - 1][1]
