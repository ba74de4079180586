"""What the two employer batches (báo tăng, báo giảm) share: the employer, row results, month
and text fields, chunked IN queries. services/enrollment.py and services/terminations.py use it."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

CHUNK = 5000  # rows per IN query and per multi-row write (SQLite allows 32,766 parameters)
MAX_ROWS = 10_000
MONTHS_BACK, MONTHS_AHEAD = 12, 3
MISSING = "Missing data for required field."
UNKNOWN = "Unknown field."
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Employer:
    client_id: str
    unit_code: str
    province_code: str
    name: str



def chunks(items: Sequence, size: int | None = None) -> Iterable[Sequence]:
    size = size or CHUNK  # read at call time: tests shrink CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rejected(row: int, code: str, errors: dict[str, list[str]], **extra: Any) -> dict:
    return {"row": row, "status": "rejected", "bhxh_code": None, "card_number": None,
            **extra, "code": code, "errors": errors}


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def parse_month(value: Any, errors: dict, name: str, today: date) -> date | None:
    """`YYYY-MM` within [this month - 12, this month + 3] -> the first day of that month."""
    if value is None or value == "":
        errors[name] = [MISSING]
        return None
    found = _MONTH_RE.match(value) if isinstance(value, str) else None
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        errors[name] = ["Not a valid month; use YYYY-MM."]
        return None
    month = date(int(found.group(1)), int(found.group(2)), 1)
    offset = month_index(month) - month_index(today)
    if offset < -MONTHS_BACK:
        errors[name] = [f"At most {MONTHS_BACK} months back (earliest {_first_allowed(today, -MONTHS_BACK)})."]
        return None
    if offset > MONTHS_AHEAD:
        errors[name] = [f"At most {MONTHS_AHEAD} months ahead (latest {_first_allowed(today, MONTHS_AHEAD)})."]
        return None
    return month


def _first_allowed(today: date, offset: int) -> str:
    idx = month_index(today) + offset
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def text_field(raw: dict, name: str, errors: dict, *, required: bool = True, max_len: int = 200) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = [MISSING]
        return None
    if not isinstance(value, str):
        errors[name] = ["Not a valid string."]
        return None
    value = " ".join(value.split())
    if len(value) > max_len:
        errors[name] = [f"Longer than maximum length {max_len}."]
        return None
    return value


def unknown_fields(raw: dict, allowed: Sequence[str], errors: dict) -> None:
    for key in raw:
        if key == "_cells":  # a CSV line with more cells than the header has columns
            errors["_row"] = [f"Too many cells: {raw[key]}."]
        elif key not in allowed:
            errors[str(key)] = [UNKNOWN]


def month_str(d: date | None) -> str | None:
    return None if d is None else f"{d.year:04d}-{d.month:02d}"


