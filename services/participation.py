"""A linked citizen's employment history across employers (GET /me/participation)."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import Employment
from services.enrollment import month_str
from services.people import linked_person

NOT_LINKED_DETAIL = "Link your CCCD to an insurance record first (POST /me/link)."


def history_query(session: Session, account_id: int) -> Select:
    """Newest first; 404 not_linked when the account has no insurance record."""
    person = linked_person(session, account_id, NOT_LINKED_DETAIL)
    return (select(Employment).where(Employment.person_id == person.id)
            .order_by(Employment.from_month.desc(), Employment.id.desc()))


def item(e: Employment) -> dict:
    return {"unit_code": e.unit_code, "unit_name": e.unit_name, "from_month": month_str(e.from_month),
            "to_month": month_str(e.to_month), "salary": e.salary, "job_title": e.job_title}
