"""Monthly compulsory contributions (reference/domain.md §5): employer 21.5 %, employee 10.5 % of
the insurable salary, which is capped at CONTRIBUTION_CAP_MULTIPLE x BASE_SALARY_VND.

Rounding: each share is rounded to the nearest whole VND, halves up (`(base * permille + 500) //
1000`), computed in integers so no float ever touches money; `total` is the sum of the two
rounded shares, so employer + employee == total always holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Rates:
    base_salary: int = 2_340_000
    cap_multiple: int = 20
    employer_permille: int = 215
    employee_permille: int = 105

    @classmethod
    def from_config(cls, cfg: Mapping) -> "Rates":
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
