"""Household tiers and the effective-dated base salary, against the official figures."""
from __future__ import annotations

from datetime import date

import pytest

from services import contributions
from services.base_salary import base_salary_on


@pytest.mark.parametrize("day,amount", [
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 6, 30), 1_800_000), (date(2024, 7, 1), 2_340_000), (date(2030, 1, 1), 2_340_000),
])
def test_base_salary_on(day, amount):
    assert base_salary_on(day) == amount


def test_no_base_salary_before_the_table():
    with pytest.raises(LookupError):
        base_salary_on(date(2023, 6, 30))


def test_official_household_figures_at_2_340_000():
    got = [contributions.household_monthly(2_340_000, p) for p in range(1, 8)]
    assert got == [105_300, 73_710, 63_180, 52_650, 42_120, 42_120, 42_120]


def test_household_figures_at_1_800_000():
    assert [contributions.household_monthly(1_800_000, p) for p in range(1, 6)] == [81_000, 56_700, 48_600,
                                                                                     40_500, 32_400]


def test_rounding_is_half_up_on_the_exact_product():
    # 1,490,000 x 4.5 % x 70 % = 46,935 exactly; x 60 % = 40,230; a base that leaves halves:
    assert contributions.household_monthly(1_490_000, 2) == 46_935
    assert contributions.household_monthly(1_000_010, 2) == 31_500  # 31,500.315 -> 31,500
    assert contributions.household_monthly(1_000_030, 1) == 45_001  # 45,001.35 -> 45,001
    assert contributions.household_monthly(1_000_100, 1) == 45_005  # 45,004.5 -> 45,005 (half up)


def test_positions_start_at_1():
    with pytest.raises(ValueError):
        contributions.household_tier_percent(0)
