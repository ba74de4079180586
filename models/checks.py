"""Clinic card checks: every check is stored (CONTRACT §5). A row is also the audit record of the
look-up it describes (services/card_checks.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id


class CardCheck(Base):
    __tablename__ = "card_checks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # No foreign keys on this append-only log: its references were read in the same request, and
    # PostgreSQL's FK triggers would take a KEY SHARE lock on the clinic's api_clients row (and the
    # card and holder rows) for every check, turning concurrent checks into MultiXact churn on the
    # hottest write path (docs/performance.md §7). Cards and persons are never deleted.
    client_id: Mapped[str] = mapped_column(String(64))
    facility_code: Mapped[str] = mapped_column(String(5))
    staff_cccd: Mapped[str | None] = mapped_column(String(12))
    staff_name: Mapped[str | None] = mapped_column(String(200))
    identifier_type: Mapped[str] = mapped_column(String(16))  # card_number | bhxh_code | cccd | qr | invalid
    person_id: Mapped[int | None]
    card_id: Mapped[str | None] = mapped_column(String(32))
    result_code: Mapped[str] = mapped_column(String(3))
    checked_at: Mapped[datetime]


# GET /me/card-checks: a person's checks, newest first.
Index("ix_card_checks_person_checked", CardCheck.person_id, CardCheck.checked_at)
# The gateway answer's dsLichSuKT2018: a card's recent checks.
Index("ix_card_checks_card_checked", CardCheck.card_id, CardCheck.checked_at)
