"""Arrange legacy employees (records without a CCCD, employed by a unit) for the CCCD-update tests."""
from __future__ import annotations

from datetime import date

import clock
from models import Employment
from services import campaign
from tests import factories

from .helpers import make_cccd

URL = "/api/v1/employer/identity-updates"
COVERAGE = "/api/v1/employer/coverage"
NAMES = ["Nguyễn Thị Lan", "Trần Văn Hùng", "Lê Thị Hạnh", "Phạm Minh Tuấn", "Hoàng Thu Trang", "Vũ Đức Nam"]


def legacy_employee(session, i: int, unit_code: str = "TE3964E", *, province: str = "01", registry: bool = True,
                    record_cccd: str | None = None, active: bool = True, **registry_over) -> dict:
    """A record without a CCCD (unless `record_cccd`), its card, an employment with this unit and (when
    `registry`) the registry row of its person; returns the update row an HR clerk would send."""
    gender = "female" if i % 2 == 0 else "male"
    dob = date(1975 + i % 30, 1 + i % 12, 1 + i % 27)
    row = {"bhxh_code": f"01{i:08d}", "cccd": make_cccd(dob, gender, serial=500_000 + i),
           "full_name": NAMES[i % len(NAMES)], "date_of_birth": dob.isoformat(), "gender": gender}
    person = factories.person(session, bhxh_code=row["bhxh_code"], cccd=record_cccd, full_name=row["full_name"],
                              date_of_birth=dob, gender=gender)
    card = factories.card(session, person, province_code=province)
    session.add(Employment(person_id=person.id, unit_code=unit_code, unit_name="Công ty TNHH An Phát",
                           from_month=date(2024, 1, 1), to_month=None if active else date(2026, 6, 1),
                           salary=12_000_000, job_title="Công nhân", card_id=card.id, active=active,
                           created_at=clock.now()))
    session.commit()
    if registry:
        reg = {"full_name": row["full_name"], "date_of_birth": dob, "gender": gender, **registry_over}
        factories.registry_record(session, cccd=row["cccd"], **reg)
    return {**row, "_person_id": person.id}


def clean(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def settle(session) -> None:
    """Rows made by the factories bypass the services: count them once, as a recount would."""
    campaign.recount(session)
    session.commit()


def assert_exact(session) -> None:
    session.rollback()
    assert campaign.kept_count(session) == campaign.full_count(session)
