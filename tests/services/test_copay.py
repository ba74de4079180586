"""The co-payment ceiling: 6 x the base salary in force on the day, strictly more, five years."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from services import base_salary, copay


def test_base_salary_is_effective_dated():
    assert base_salary.on(date(2024, 6, 30)) == 1_800_000
    assert base_salary.on(date(2024, 7, 1)) == 2_340_000
    assert base_salary.on(date(2020, 1, 1)) == 1_800_000  # before the table: its earliest figure
    assert copay.ceiling(date(2026, 3, 1)) == 14_040_000
    assert copay.ceiling(date(2024, 3, 1)) == 10_800_000


def test_over_the_ceiling_is_strict_and_dated_by_the_visit_that_crosses():
    d = Decimal
    assert copay.over_ceiling_on([(date(2026, 2, 1), d(14_040_000))]) is None  # exactly 6 x is not over
    assert copay.over_ceiling_on([(date(2026, 5, 2), d(1)), (date(2026, 2, 1), d(14_040_000))]) == date(2026, 5, 2)
    # 2024: 11,000,000 by June is over 6 x 1,800,000; the July raise does not undo it.
    assert copay.over_ceiling_on([(date(2024, 6, 10), d(11_000_000))]) == date(2024, 6, 10)
    # ... but 11,000,000 reached in July is under 6 x 2,340,000.
    assert copay.over_ceiling_on([(date(2024, 7, 10), d(11_000_000))]) is None


def test_view_needs_five_years():
    today = date(2026, 9, 1)
    over = (2026, Decimal(15000000), date(2026, 5, 2))
    assert copay.view(over, date(2020, 1, 1), today) | {} == {
        "year": 2026, "paid": 15_000_000.0, "ceiling": 14_040_000, "five_years": True, "exempt": True,
        "exempt_from": "2026-05-02"}
    later = copay.view(over, date(2026, 10, 1), today)  # five years reached later this year
    assert later["exempt_from"] == "2026-10-01" and later["exempt"] is False and later["five_years"] is False
    assert copay.view(over, None, today)["exempt_from"] is None
    assert copay.view(over, date(2027, 3, 1), today)["exempt_from"] is None
    last_year = copay.view((2025, Decimal(20_000_000), date(2025, 3, 1)), date(2020, 1, 1), today)
    assert last_year["paid"] == 0 and last_year["exempt"] is False
    assert copay.view(None, date(2020, 1, 1), today)["paid"] == 0
