"""What the CSV imports share: reading a file, field parsers that report problems, bulk upserts.
services/imports.py (registry, facilities, insurance) is built on these."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

import clock
from services.birth_dates import BirthDate
from services.identifiers import check_cccd
from services.names import clean_name

CHUNK = 5000  # rows per executemany / IN (...) list
_GENDER_WORDS = {"male": "male", "female": "female", "nam": "male", "nữ": "female", "nu": "female"}


class ImportFailed(Exception):
    """The file is refused; `errors` lists every problem as "line N: field: message"."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class ImportResult:
    kind: str
    rows: int
    seconds: float
    details: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else float(self.rows)
        extra = "".join(f", {v} {k}" for k, v in self.details.items())
        return f"imported {self.rows} {self.kind} rows{extra} in {self.seconds:.2f} s ({rate:,.0f} rows/s)"


# --- reading -------------------------------------------------------------------------------------------

Row = tuple[int, dict[str, str]]


def read_csv(path: str | Path, required: Iterable[str], optional: Iterable[str] = ()) -> list[Row]:
    """All data rows as (line number, {column: stripped value}), or ImportFailed for file-level faults."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ImportFailed([f"line {line}: the file is not UTF-8 (byte {exc.start})"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(["line 1: the file is empty; the first line must name the columns"]) from None
    except csv.Error as exc:
        raise ImportFailed([f"line 1: {exc}"]) from None
    columns = [h.strip().lower() for h in header]
    required, optional = list(required), list(optional)
    problems = []
    missing = [c for c in required if c not in columns]
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        problems.append(f"line 1: unknown column(s): {', '.join(unknown)} (expected {', '.join(required + optional)})")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        problems.append(f"line 1: repeated column(s): {', '.join(dupes)}")
    if problems:
        raise ImportFailed(problems)
    rows: list[Row] = []
    errors: list[str] = []
    try:
        for values in reader:
            line = reader.line_num
            if not values or all(not v.strip() for v in values):
                continue  # blank line
            if len(values) != len(columns):
                errors.append(f"line {line}: expected {len(columns)} fields, found {len(values)}")
                continue
            cells = zip(columns, values, strict=True)  # lengths checked above
            rows.append((line, {c: unicodedata.normalize("NFC", v.strip()) for c, v in cells}))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}")
    if errors:
        raise ImportFailed(errors)
    return rows


# --- field parsers: return (value, problem) -----------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VN_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _date(value: str, what: str) -> tuple[date | None, str | None]:
    try:
        if _ISO_DATE.match(value):
            return date.fromisoformat(value), None
        found = _VN_DATE.match(value)
        if found:
            return date(int(found[3]), int(found[2]), int(found[1])), None
    except ValueError:
        pass
    return None, f"{what}: '{value}' is not a date (YYYY-MM-DD)"


def _birth_date(value: str) -> tuple[BirthDate | None, str | None]:
    """`YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or the Vietnamese `dd/mm/yyyy`, `mm/yyyy`: the precision given."""
    try:
        dob = BirthDate.parse_gateway(value) if "/" in value else BirthDate.parse_iso(value)
    except ValueError:
        return None, f"date_of_birth: '{value}' is not a date (YYYY-MM-DD, YYYY-MM or YYYY, from 1900)"
    if dob.as_date > clock.today():
        return None, f"date_of_birth: {value} is out of range (1900 to today)"
    return dob, None


def _gender(value: str) -> tuple[str | None, str | None]:
    gender = _GENDER_WORDS.get(value.casefold())
    return (gender, None) if gender else (None, f"gender: '{value}' is not male or female")


def _name(value: str, what: str = "full_name", limit: int = 200) -> str | None:
    if not value:
        return f"{what}: empty"
    if len(value) > limit:
        return f"{what}: longer than {limit} characters"
    return None


def _identity(row: dict[str, str], problems: list[str]) -> tuple[str | None, BirthDate | None, str | None]:
    """full_name, date_of_birth, gender (problems appended)."""
    name = clean_name(row["full_name"])
    name_problem = _name(name)
    if name_problem:
        problems.append(name_problem)
    dob, problem = _birth_date(row["date_of_birth"])
    if problem:
        problems.append(problem)
    gender, problem = _gender(row["gender"])
    if problem:
        problems.append(problem)
    return (None if name_problem else name), dob, gender


def _cccd(value: str, dob: BirthDate | None, gender: str | None, problems: list[str]) -> None:
    problems.extend(f"cccd: {p}" for p in check_cccd(value, dob, gender))


def _report(errors: list[str], line: int, problems: list[str]) -> None:
    errors.extend(f"line {line}: {p}" for p in problems)


# --- writing ------------------------------------------------------------------------------------------------

def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        return sqlite_insert
    raise RuntimeError(f"imports support PostgreSQL and SQLite, not {dialect}")  # pragma: no cover


def _upsert(session: Session, table: Table, rows: list[dict], key: str,
            update: Callable[[Any], dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE, executemany'd in chunks."""
    if not rows:
        return
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_=update(stmt.excluded))
    for start in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[start:start + CHUNK])


def _existing(session: Session, column, values: Iterable[str], *extra) -> list:
    values = sorted(set(values))
    found: list = []
    for start in range(0, len(values), CHUNK):
        found.extend(session.execute(select(column, *extra).where(column.in_(values[start:start + CHUNK]))).all())
    return found


