"""Arrange employer batches: valid CCCDs, registry rows in bulk, request rows, posting helpers."""
from __future__ import annotations

import csv
import io
import itertools
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import insert

import clock
from models import RegistryRecord
from services.identifiers import century_sex_digit

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, 2026-11-25
ENROLL = "/api/v1/employer/enrollments"
TERMINATE = "/api/v1/employer/terminations"
EMPLOYEES = "/api/v1/employer/employees"
FACILITY = "01001"

_serial = itertools.count(1)
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Đức", "Phạm Thị Hương", "Võ Minh Khôi", "Đặng Thu Hà"]


def make_cccd(dob: date, gender: str, serial: int | None = None, province: str = "001") -> str:
    serial = next(_serial) if serial is None else serial
    return f"{province}{century_sex_digit(dob.year, gender)}{dob.year % 100:02d}{serial % 1_000_000:06d}"


def person_row(i: int = 0, *, start_month: str = "2026-11", salary: int = 15_000_000, **over) -> dict:
    gender = "female" if i % 2 else "male"
    dob = date(1980 + i % 25, 1 + i % 12, 1 + i % 28)
    row = {
        "cccd": make_cccd(dob, gender), "full_name": NAMES[i % len(NAMES)], "date_of_birth": dob.isoformat(),
        "gender": gender, "salary": salary, "start_month": start_month, "job_title": "Nhân viên kinh doanh",
        "primary_care_facility_code": FACILITY,
    }
    row.update(over)
    return row


def rows(n: int, **over) -> list[dict]:
    return [person_row(i, **over) for i in range(n)]


def register(session, rows_: list[dict]) -> None:
    """Put these people into the population registry (one multi-row insert)."""
    if not rows_:
        return
    session.execute(insert(RegistryRecord), [{
        "cccd": r["cccd"], "full_name": r["full_name"], "date_of_birth": date.fromisoformat(r["date_of_birth"]),
        "gender": r["gender"], "address": None, "updated_at": clock.now(),
    } for r in rows_])
    session.commit()


def to_csv(rows_: list[dict], delimiter: str = ",", bom: bool = False) -> bytes:
    fields = ["cccd", "full_name", "date_of_birth", "gender", "salary", "start_month", "job_title",
              "primary_care_facility_code", "phone", "bhxh_code"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for r in rows_:
        writer.writerow({k: r.get(k, "") for k in fields})
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def key() -> str:
    return str(uuid.uuid4())


def post(client, url: str, headers: dict, body, idem: str | None = None, csv_body: bool = False):
    h = dict(headers)
    if idem is not None:
        h["Idempotency-Key"] = idem
    if csv_body:
        return client.post(url, data=body, headers={**h, "Content-Type": "text/csv; charset=utf-8"})
    return client.post(url, json={"employees": body}, headers=h)


def enroll(client, headers: dict, body, idem: str | None = None, **kw):
    return post(client, ENROLL, headers, body, key() if idem is None else idem, **kw)


def terminate(client, headers: dict, body, idem: str | None = None):
    return post(client, TERMINATE, headers, body, key() if idem is None else idem)


def msgs(field_errors: list[dict]) -> list[str]:
    """The messages of one field's row errors (each is {"code", "message"})."""
    return [e["message"] for e in field_errors]


def all_msgs(errors: dict) -> dict:
    return {name: msgs(items) for name, items in errors.items()}
