"""Insured persons and their health-insurance cards."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, new_id


class InsuredPerson(Base):
    __tablename__ = "insured_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    bhxh_code: Mapped[str] = mapped_column(String(10), unique=True)
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True)  # the record "carries" the CCCD
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]  # unknown parts are 1; what is known is the precision
    date_of_birth_precision: Mapped[str] = mapped_column(String(5), default="day", server_default="day")
    gender: Mapped[str] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(16))
    # The app account this record is linked to (CONTRACT §3); unique: one account per record.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), unique=True)
    linked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Card(Base):
    """A thẻ BHYT. `status` holds what an agency decided; `expired` is derived from `valid_to`."""

    __tablename__ = "cards"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # `cid` in the QR
    card_number: Mapped[str] = mapped_column(String(15), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_persons.id"))
    object_code: Mapped[str] = mapped_column(String(2))
    benefit_level: Mapped[int]
    province_code: Mapped[str] = mapped_column(String(2))
    area_code: Mapped[str | None] = mapped_column(String(2))  # K1 | K2 | K3
    facility_code: Mapped[str] = mapped_column(ForeignKey("facilities.code"))
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    five_year_date: Mapped[date | None]
    issuing_agency: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | revoked | reported_decreased
    # revoked: the officer's reason; reported_decreased: stopped | transfer_out_of_province |
    # transfer_in_province | reenrolled_same_unit
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    person: Mapped[InsuredPerson] = relationship(lazy="raise")


# The current card is the one with the latest valid_from; older ones answer 003/004 at a clinic.
Index("ix_cards_person_valid_from", Card.person_id, Card.valid_from)
# Offline verifiers poll for revocations since a time.
Index("ix_cards_status_changed_at", Card.status_changed_at)
