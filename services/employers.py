"""What an employer client may see and who it is: its unit's employees and stored batch answers.

Every look-up is scoped to the token's unit: another unit's people and batches are 404, never 403.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from errors import NotFound, Unauthorized
from models import ApiClient, Batch, Card, Employment, InsuredPerson
from services import idempotency
from services.enrollment import Employer, month_str

MAX_BATCH_ID = 32  # batch ids are new_id() hex; a longer one cannot exist


class EmployerInactive(Unauthorized):
    detail = "This employer client is not active."


class BatchNotFound(NotFound):
    detail = "No such batch of this unit."


def employer_of(session: Session, client_id: str, unit_code: str | None, province_code: str | None) -> Employer:
    """The employer behind a token: its client must still exist and be active, and be bound to a unit."""
    client = session.get(ApiClient, client_id)
    if client is None or not client.active or not unit_code or not province_code:
        raise EmployerInactive()
    return Employer(client_id, unit_code, province_code, client.name)


def stored_answer(session: Session, unit_code: str | None, batch_id: str, kind: str) -> dict:
    """The stored answer of a finished batch of this unit and kind, else 404."""
    batch = session.get(Batch, batch_id) if len(batch_id) <= MAX_BATCH_ID else None
    if batch is None or batch.unit_code != unit_code or batch.kind != kind or batch.status != "done" \
            or batch.response is None:
        raise BatchNotFound()
    return batch.response


def employees_query(unit_code: str | None) -> Select:
    """This unit's active employees, the latest start first (rows for `employee_item`)."""
    return (
        select(Employment, InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name, Card.card_number)
        .join(InsuredPerson, InsuredPerson.id == Employment.person_id)
        .outerjoin(Card, Card.id == Employment.card_id)
        .where(Employment.unit_code == unit_code, Employment.active.is_(True))
        .order_by(Employment.from_month.desc(), Employment.id.desc())
    )


def employee_item(row: Any) -> dict:
    emp, bhxh_code, cccd, full_name, number = row
    return {"bhxh_code": bhxh_code, "cccd": cccd, "full_name": full_name, "start_month": month_str(emp.from_month),
            "salary": emp.salary, "job_title": emp.job_title, "card_number": number}


def run_batch(session: Session, employer: Employer, key: str, kind: str, raw_rows: list,
              prepare: Callable[[], Any], apply: Callable[[str, Any, Employer], dict],
              wait_seconds: float) -> tuple[dict, bool]:
    """One batch under its Idempotency-Key: (answer, replayed). A registry outage raises
    RegistryUnavailable with nothing written (idempotency.execute rolls back)."""
    scope = idempotency.Scope(employer.client_id, employer.unit_code, kind, key)
    return idempotency.execute(
        session, scope, idempotency.request_hash(kind, raw_rows), prepare,
        lambda batch_id, prep: apply(batch_id, prep, employer), wait_seconds=wait_seconds,
    )
