"""API clients (clinics, employers) using client-credentials, and a clinic's registered staff."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ApiClient(Base):
    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # clinic | employer
    name: Mapped[str] = mapped_column(String(200))
    facility_code: Mapped[str | None] = mapped_column(String(5))  # clinic
    unit_code: Mapped[str | None] = mapped_column(String(7), index=True)  # employer
    province_code: Mapped[str | None] = mapped_column(String(2))  # employer
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ClinicStaff(Base):
    __tablename__ = "clinic_staff"
    __table_args__ = (UniqueConstraint("client_id", "cccd"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.client_id", ondelete="CASCADE"))
    cccd: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
