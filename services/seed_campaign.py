"""The demo's campaign in progress (docs/campaign.md): the demo employer already employs four of
the demo people, two of whose records carry no CCCD yet, so the HR clerk has someone to chase
(`GET /employer/coverage`, `?missing=cccd`) and a CCCD update to send."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from models import Card, Employment, InsuredPerson
from services import campaign

# BHXH code -> job title. 0123456789 (An) and 7937368040 (Bảo, whose record differs from the
# registry) carry no CCCD; 0112233445 (Hoa) has the app linked; 0100000055 (Long) does not.
STAFF = {"0123456789": "Kế toán viên", "7937368040": "Nhân viên kho", "0112233445": "Trưởng phòng nhân sự",
         "0100000055": "Kỹ sư phần mềm"}
SALARY = 15_000_000


def employ_demo_staff(session: Session, unit_code: str, unit_name: str) -> int:
    """Active employments of these people with the unit (those missing only); how many were added."""
    today = clock.today()
    added = 0
    for bhxh_code, job_title in STAFF.items():
        person = session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == bhxh_code))
        if person is None or session.scalar(select(Employment.id).where(
                Employment.person_id == person.id, Employment.unit_code == unit_code, Employment.active.is_(True))):
            continue
        card_id = session.scalar(select(Card.id).where(Card.person_id == person.id)
                                 .order_by(Card.valid_from.desc(), Card.created_at.desc()).limit(1))
        session.add(Employment(person_id=person.id, unit_code=unit_code, unit_name=unit_name,
                               from_month=date(today.year, 1, 1), salary=SALARY, job_title=job_title,
                               card_id=card_id, active=True, created_at=clock.now()))
        added += 1
    session.flush()
    campaign.refresh_bhxh(session, STAFF)
    return added
