"""The demo's campaign in progress (docs/campaign.md): the demo employer already employs four of
the demo people, two of whose records carry no CCCD yet, so the HR clerk has someone to chase
(`GET /employer/coverage`, `?missing=cccd`) and a CCCD update to send."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
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


# About 35 million of the roughly 100 million participants use the app: a synthetic record that
# carries its CCCD is linked to an account with this share (chosen by a hash of its id, so the same
# persons every run). The accounts cannot log in (no password hash); they exist to be counted.
APP_SHARE_PERCENT = 38
_PHONE_PREFIX = "+8497"  # + 7 digits of the person id: a range no other seeder or test uses
_MAX_ID = 10_000_000


def synthetic_app_accounts(conn, first_id: int, stop_id: int) -> None:
    """Accounts for the chosen synthetic persons with ids in [first_id, stop_id), linked to them."""
    pg = conn.dialect.name == "postgresql"
    phone = (f"'{_PHONE_PREFIX}' || lpad(p.id::text, 7, '0')" if pg
             else f"'{_PHONE_PREFIX}' || printf('%07d', p.id)")
    chosen = (f"p.id >= :lo AND p.id < :hi AND p.id < {_MAX_ID} AND p.cccd IS NOT NULL "
              f"AND p.account_id IS NULL AND (p.id * 2654435761) % 100 < {APP_SHARE_PERCENT}")
    params = {"lo": first_id, "hi": stop_id, "now": clock.now()}
    conn.execute(text(
        "INSERT INTO accounts (phone, password_hash, full_name, role, created_at, failed_logins, totp_enabled) "
        f"SELECT {phone}, '!synthetic', p.full_name, 'citizen', :now, 0, false FROM insured_persons p "
        f"WHERE {chosen}"), params)
    conn.execute(text(
        f"UPDATE insured_persons AS p SET account_id = (SELECT a.id FROM accounts a WHERE a.phone = {phone}), "
        f"linked_at = :now WHERE {chosen}"), params)
