"""Birth dates that may be known only to the month or the year (many older, rural people).

A `BirthDate` holds a year and, when known, a month and a day. It is stored as two columns: a
`date` whose unknown parts are 1 (so indexes and year checks keep working) and a `precision`
(`day` | `month` | `year`). Every shape the outside world sends is parsed here, and every shape
an answer gives is written here:

| where                 | day          | month     | year   |
|-----------------------|--------------|-----------|--------|
| API / CSV (`iso`)     | `YYYY-MM-DD` | `YYYY-MM` | `YYYY` |
| gateway (`gateway`)   | `dd/mm/yyyy` | `mm/yyyy` | `yyyy` |
| chip-CCCD QR (in)     | `ddMMyyyy`   | `MMyyyy`  | `yyyy` |

Two birth dates match when every part that both know is equal: a request that gives less than
the record holds is compared on what it gives (a year-only `ngaySinh` matches 1958-04-12).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", re.ASCII)
_GATEWAY = re.compile(r"^(?:(?:(\d{2})/)?(\d{2})/)?(\d{4})$", re.ASCII)
_COMPACT = re.compile(r"^(?:(\d{2})?(\d{2}))?(\d{4})$", re.ASCII)  # ddMMyyyy, MMyyyy or yyyy
MIN_YEAR = 1900
_KNOWN = {Precision.DAY: 3, Precision.MONTH: 2, Precision.YEAR: 1}


@dataclass(frozen=True, slots=True)
class BirthDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        # raises ValueError when impossible; a 0 month or day is no "unknown" (that is None)
        date(self.year, 1 if self.month is None else self.month, 1 if self.day is None else self.day)
        if self.year < MIN_YEAR:
            raise ValueError(f"a birth year before {MIN_YEAR}")

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def of(cls, value: date) -> BirthDate:
        return cls(value.year, value.month, value.day)

    @classmethod
    def stored(cls, value: date, precision: str | None) -> BirthDate:
        """From the two columns (`precision` None is a full date, as rows from before round 2)."""
        if precision == Precision.YEAR:
            return cls(value.year)
        if precision == Precision.MONTH:
            return cls(value.year, value.month)
        return cls.of(value)

    @classmethod
    def parse_iso(cls, text: str) -> BirthDate:
        """`YYYY-MM-DD`, `YYYY-MM` or `YYYY`; ValueError for anything else."""
        return cls._from_match(_ISO.match(text.strip()), 1, 2, 3)

    @classmethod
    def parse_gateway(cls, text: str) -> BirthDate:
        """`dd/mm/yyyy`, `mm/yyyy`, `yyyy`, or 8-digit `ddmmyyyy` (the spec's own example)."""
        text = text.strip()
        match = _GATEWAY.match(text)
        if match:
            return cls._from_match(match, 3, 2, 1)
        return cls.parse_compact(text)

    @classmethod
    def parse_compact(cls, text: str) -> BirthDate:
        """The chip CCCD QR's `ddMMyyyy`, `MMyyyy` or `yyyy`."""
        return cls._from_match(_COMPACT.match(text.strip()), 3, 2, 1)

    @classmethod
    def _from_match(cls, match: re.Match[str] | None, y: int, m: int, d: int) -> BirthDate:
        if match is None:
            raise ValueError("not a birth date")
        day = match.group(d)
        month = match.group(m)
        return cls(int(match.group(y)), int(month) if month else None, int(day) if day else None)

    # ---- what is known ---------------------------------------------------------------------

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    @property
    def as_date(self) -> date:
        """The stored `date` column: unknown parts are 1."""
        return date(self.year, self.month or 1, self.day or 1)

    def matches(self, other: BirthDate) -> bool:
        """Equal on every part that both sides know."""
        if self.year != other.year:
            return False
        if self.month is None or other.month is None:
            return True
        if self.month != other.month:
            return False
        return self.day is None or other.day is None or self.day == other.day

    def finer(self, other: BirthDate) -> BirthDate:
        """Of two matching dates, the one that knows more (`other` when they disagree)."""
        if self.matches(other) and _KNOWN[self.precision] > _KNOWN[other.precision]:
            return self
        return other

    def age_on(self, day: date) -> int:
        """Whole years on `day`, counting an unknown month or day as the earliest possible."""
        born = self.as_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    # ---- answers ---------------------------------------------------------------------------

    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}" if self.month is not None else f"{self.year:04d}"

    def gateway(self) -> str:
        if self.day is not None:
            return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"
        return f"{self.month:02d}/{self.year:04d}" if self.month is not None else f"{self.year:04d}"

    def __str__(self) -> str:
        return self.iso()


def of_record(record: Any, prefix: str = "") -> BirthDate:
    """The birth date of a row (or a dict of its columns) holding `<prefix>date_of_birth` and
    `<prefix>date_of_birth_precision`: a person, a registry row, a link request's registry copy
    (prefix `registry_`)."""
    if isinstance(record, Mapping):
        return BirthDate.stored(record[f"{prefix}date_of_birth"], record.get(f"{prefix}date_of_birth_precision"))
    return BirthDate.stored(getattr(record, f"{prefix}date_of_birth"),
                            getattr(record, f"{prefix}date_of_birth_precision", None))


def stored_columns(value: BirthDate | date, prefix: str = "") -> dict[str, Any]:
    """The two column values of a birth date, keyed as the tables name them."""
    value = coerce(value)
    return {f"{prefix}date_of_birth": value.as_date, f"{prefix}date_of_birth_precision": value.precision.value}


def coerce(value: BirthDate | date) -> BirthDate:
    """A BirthDate from either a BirthDate or a full `date` (callers from before partial dates)."""
    return value if isinstance(value, BirthDate) else BirthDate.of(value)
