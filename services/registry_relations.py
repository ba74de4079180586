"""The family columns of `flask registry import` (docs/family.md): a child's parents and legal
guardian, and the household (hộ gia đình) every member belongs to. All optional; an empty cell
means "not known". Kept here so services/imports.py only lists them and calls `parse`."""
from __future__ import annotations

import re

from services.identifiers import CCCD_RE

GUARDIAN_COLUMNS = ("mother_cccd", "father_cccd", "guardian_cccd")
COLUMNS = (*GUARDIAN_COLUMNS, "household_code")
_HOUSEHOLD_RE = re.compile(r"^[A-Za-z0-9-]{1,20}\Z", re.ASCII)


def parse(row: dict[str, str], cccd: str, problems: list[str]) -> dict[str, str | None]:
    """The relation values of one CSV row (None when absent or empty); problems appended."""
    out: dict[str, str | None] = {}
    for column in GUARDIAN_COLUMNS:
        value = row.get(column) or None
        if value is not None and not CCCD_RE.match(value):
            problems.append(f"{column}: '{value}' is not a 12-digit CCCD")
        elif value is not None and value == cccd:
            problems.append(f"{column}: a person cannot be their own parent or guardian")
        out[column] = value
    household = row.get("household_code") or None
    if household is not None and not _HOUSEHOLD_RE.match(household):
        problems.append("household_code: 1 to 20 letters, digits or '-'")
    out["household_code"] = household
    return out
