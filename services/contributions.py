"""Monthly compulsory contributions (reference/domain.md §5): employer 21.5 %, employee 10.5 % of
the insurable salary, which is capped at CONTRIBUTION_CAP_MULTIPLE x BASE_SALARY_VND.

Rounding: each share is rounded to the nearest whole VND, halves up (`(base * permille + 500) //
1000`), computed in integers so no float ever touches money; `total` is the sum of the two
rounded shares, so employer + employee == total always holds.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rates:
    base_salary: int = 2_340_000
    cap_multiple: int = 20
    employer_permille: int = 215
    employee_permille: int = 105

    @classmethod
    def from_config(cls, cfg: Mapping) -> Rates:
        """The rates config.load declared; a key left out keeps the legal default above."""
        keys = {"BASE_SALARY_VND": "base_salary", "CONTRIBUTION_CAP_MULTIPLE": "cap_multiple",
                "EMPLOYER_RATE_PERMILLE": "employer_permille", "EMPLOYEE_RATE_PERMILLE": "employee_permille"}
        return cls(**{field: int(cfg[key]) for key, field in keys.items() if key in cfg})

    @property
    def cap(self) -> int:
        return self.base_salary * self.cap_multiple


def _share(base: int, permille: int) -> int:
    return (base * permille + 500) // 1000


def insurable_salary(salary: int, rates: Rates) -> int:
    return min(salary, rates.cap)


def monthly(salary: int, rates: Rates) -> dict[str, int]:
    """`{employer, employee, total}` in VND per month for a monthly salary in VND."""
    base = insurable_salary(salary, rates)
    employer = _share(base, rates.employer_permille)
    employee = _share(base, rates.employee_permille)
    return {"employer": employer, "employee": employee, "total": employer + employee}


# ---- household (hộ gia đình) BHYT contributions -------------------------------------------------
# The first paying member pays 4.5 % of the base salary; the second 70 % of that, the third 60 %,
# the fourth 50 %, the fifth and every later one 40 % (Luật BHYT Art. 13, NĐ 146/2018 Art. 7).
HOUSEHOLD_FIRST_PERMILLE = 45
HOUSEHOLD_TIERS_PERCENT = (100, 70, 60, 50, 40)


def household_tier_percent(position: int) -> int:
    """The share of the first member's amount that the member at `position` (1-based) pays."""
    if position < 1:
        raise ValueError("positions start at 1")
    return HOUSEHOLD_TIERS_PERCENT[min(position, len(HOUSEHOLD_TIERS_PERCENT)) - 1]


def household_monthly(base_salary: int, position: int) -> int:
    """VND per month for the member at `position`: base x 45/1000 x percent/100, in one integer
    division rounded to the nearest đồng, halves up (no rounding of the first member's amount
    first). At 2,340,000: 105,300 / 73,710 / 63,180 / 52,650 / 42,120, exactly the official figures."""
    numerator = base_salary * HOUSEHOLD_FIRST_PERMILLE * household_tier_percent(position)
    return (numerator + 50_000) // 100_000
