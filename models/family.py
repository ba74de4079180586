"""A guardian's children (dependants) and the birth registrations that issue newborns' cards."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id


class Dependant(Base):
    """A child a guardian added after the registry confirmed the relation; one row per guardian,
    so two guardians of one child each hold their own row (and their own id)."""

    __tablename__ = "dependants"
    __table_args__ = (UniqueConstraint("guardian_account_id", "child_cccd"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # random: not guessable
    guardian_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    child_cccd: Mapped[str] = mapped_column(String(12), index=True)
    # As the registry confirmed them when the child was added.
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    gender: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime]


class BirthRegistration(Base):
    """One birth registration received (CSV import or the registration system's push)."""

    __tablename__ = "birth_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(64), unique=True)  # the registration system's id
    child_cccd: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("insured_persons.id"))
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"))
    mother_cccd: Mapped[str | None] = mapped_column(String(12))
    father_cccd: Mapped[str | None] = mapped_column(String(12))
    guardian_cccd: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(16))  # csv | api
    client_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime]
