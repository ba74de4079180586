"""Employer enrollment (báo tăng / báo giảm): employments, batches and their idempotency records."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id


class Batch(Base):
    """One POST to /employer/enrollments or /employer/terminations, keyed by its Idempotency-Key."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.client_id"))
    unit_code: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # enrollment | termination
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # in_progress | done
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Employment(Base):
    __tablename__ = "employments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_persons.id"))
    unit_code: Mapped[str] = mapped_column(String(7))
    unit_name: Mapped[str] = mapped_column(String(200))
    from_month: Mapped[date]  # first day of the month
    to_month: Mapped[date | None]  # first day of the last month; None while active
    salary: Mapped[int]
    job_title: Mapped[str] = mapped_column(String(500))
    card_id: Mapped[str | None] = mapped_column(ForeignKey("cards.id"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"))
    end_batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"))
    end_reason: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


Index("ix_employments_unit_active", Employment.unit_code, Employment.active)
Index("ix_employments_person", Employment.person_id)
Index("ix_employments_card", Employment.card_id)
# A person is at most once an active employee of a unit: two concurrent batches enrolling the same
# person into the same unit cannot both succeed (the loser retries and answers already_enrolled).
Index(
    "uq_employments_active_person_unit", Employment.person_id, Employment.unit_code, unique=True,
    postgresql_where=Employment.active.is_(True), sqlite_where=Employment.active.is_(True),
)
