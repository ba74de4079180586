"""Citizen requests to link a CCCD to an insurance record, officer reviews, and consents."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # cccd_link
    text_version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class LinkRequest(Base):
    """One accepted link attempt: linked at once, or waiting for / decided by an officer."""

    __tablename__ = "link_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_persons.id"), index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"))
    cccd: Mapped[str] = mapped_column(String(12), index=True)
    # What the registry confirmed (the officer corrects the record to this on approval).
    registry_full_name: Mapped[str] = mapped_column(String(200))
    registry_date_of_birth: Mapped[date]
    registry_date_of_birth_precision: Mapped[str] = mapped_column(String(5), default="day", server_default="day")
    registry_gender: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(16), index=True)  # linked | pending_review | rejected
    reason: Mapped[str | None] = mapped_column(String(1000))  # the officer's rejection reason
    note: Mapped[str | None] = mapped_column(String(1000))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


# The officers' queue: pending reviews, oldest first.
Index("ix_link_requests_status_created", LinkRequest.status, LinkRequest.created_at)
