"""Population-registry rows (the `local` registry backend) and health facilities."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RegistryRecord(Base):
    __tablename__ = "registry_records"

    cccd: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]  # unknown parts are 1; what is known is the precision
    date_of_birth_precision: Mapped[str] = mapped_column(String(5), default="day", server_default="day")
    gender: Mapped[str] = mapped_column(String(6))  # male | female
    address: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]


class Facility(Base):
    __tablename__ = "facilities"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
