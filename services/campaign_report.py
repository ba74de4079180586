"""What `GET /officer/campaign`, `flask report campaign` and `GET /employer/coverage` show
(docs/campaign.md): counts and percentages, by province or for one unit."""
from __future__ import annotations

import csv
import io

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

import clock
from models import Employment, InsuredPerson
from services import campaign, provinces
from services.identifiers import PROVINCES

CSV_COLUMNS = ("province_code", "province_name", "participants", "cccd_verified", "cccd_verified_pct",
               "app_linked", "app_linked_pct")
ALL = "ALL"  # the national line of the CSV


class UnknownProvince(ValueError):
    pass


def pct(part: int, whole: int) -> float | None:
    """Percent with two decimals; None when there is nobody to count."""
    return round(100.0 * part / whole, 2) if whole else None


def _line(participants: int, cccd: int, app: int) -> dict:
    return {"participants": participants, "cccd_verified": cccd, "cccd_verified_pct": pct(cccd, participants),
            "app_linked": app, "app_linked_pct": pct(app, participants)}


def check_province(code: str | None) -> str | None:
    if code is None:
        return None
    if code not in PROVINCES:
        raise UnknownProvince(code)
    return code


def report(bind, province: str | None = None) -> dict:
    """{as_of, province, totals, provinces: [...]} from the kept totals (one row per province)."""
    kept = campaign.kept_count(bind, check_province(province))
    if province is not None and province not in kept:
        kept[province] = [0, 0, 0]
    today = clock.today()
    rows = [{"province_code": code, "province_name": provinces.name(code, today), **_line(*kept[code])}
            for code in sorted(kept)]
    totals = [sum(v[i] for v in kept.values()) for i in range(3)]
    return {"as_of": clock.now().isoformat(), "province": province, "totals": _line(*totals), "provinces": rows}


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def to_csv(doc: dict) -> str:
    """One line per province; without a province filter a last `ALL` line holds the national totals."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    lines = list(doc["provinces"])
    if doc["province"] is None:
        lines.append({"province_code": ALL, "province_name": "Toàn quốc", **doc["totals"]})
    for line in lines:
        writer.writerow([_cell(line[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def to_table(doc: dict) -> str:
    """The terminal view of `flask report campaign`."""
    head = f"{'province':<28} {'participants':>12} {'CCCD verified':>20} {'app linked':>20}"
    out = [f"campaign standing at {doc['as_of']}", head, "-" * len(head)]

    def fmt(label: str, line: dict) -> str:
        def both(n, p):
            return f"{n:,} ({'-' if p is None else f'{p:.2f}%'})"
        return (f"{label:<28} {line['participants']:>12,} {both(line['cccd_verified'], line['cccd_verified_pct']):>20} "
                f"{both(line['app_linked'], line['app_linked_pct']):>20}")

    for line in doc["provinces"]:
        out.append(fmt(f"{line['province_code']} {line['province_name'] or ''}"[:28], line))
    out.append("-" * len(head))
    out.append(fmt("all provinces", doc["totals"]))
    return "\n".join(out)


def coverage(session: Session, unit_code: str) -> dict:
    """This unit's active employees, with a CCCD on the record and with an app account."""
    stmt = (select(func.count(), func.sum(case((InsuredPerson.cccd.is_not(None), 1), else_=0)),
                   func.sum(case((InsuredPerson.account_id.is_not(None), 1), else_=0)))
            .select_from(Employment).join(InsuredPerson, InsuredPerson.id == Employment.person_id)
            .where(Employment.unit_code == unit_code, Employment.active.is_(True)))
    total, cccd, app = session.execute(stmt).one()
    total, cccd, app = int(total or 0), int(cccd or 0), int(app or 0)
    return {"unit_code": unit_code, "active_employees": total, "cccd_verified": cccd,
            "cccd_verified_pct": pct(cccd, total), "missing_cccd": total - cccd, "app_linked": app,
            "app_linked_pct": pct(app, total), "missing_app": total - app}


def missing_filter(missing: str | None):
    """The WHERE clause of `GET /employer/employees?missing=cccd|app`."""
    if missing == "cccd":
        return InsuredPerson.cccd.is_(None)
    if missing == "app":
        return InsuredPerson.account_id.is_(None)
    return None
