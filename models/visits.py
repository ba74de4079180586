"""Medical visits (lịch sử KCB): the XML1 summary of QĐ 4750/QĐ-BYT (updated by QĐ 3176) as a
clinic reports it, the (facility, MA_LK) key that makes a re-sent visit replace the first, and the
co-payment a person has paid in each calendar year.

On PostgreSQL `visits` is partitioned by month of `admitted_at` (migration 0003; docs/visits.md):
the primary key therefore carries `admitted_at`, and the uniqueness of (facility, MA_LK), which no
partitioned index can enforce without the partition key, lives in the small `visit_keys` table.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

MONEY = Numeric(15, 2)  # QĐ 4750: NUMERIC(15,2), VND


class Visit(Base):
    __tablename__ = "visits"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    admitted_at: Mapped[datetime] = mapped_column(primary_key=True)  # NGAY_VAO; the partition key
    # No foreign keys: a partitioned append-mostly table, its references read in the same transaction
    # (as card_checks; cards and persons are never deleted).
    facility_code: Mapped[str] = mapped_column(String(5))  # MA_CSKCB
    ma_lk: Mapped[str] = mapped_column(String(100))
    submission_id: Mapped[str] = mapped_column(String(32))  # the answer's maGiaoDich
    person_id: Mapped[int]
    card_id: Mapped[str] = mapped_column(String(32))
    ma_bn: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(255))
    cccd: Mapped[str | None] = mapped_column(String(15))
    birth: Mapped[str] = mapped_column(String(12))  # NGAY_SINH as sent, yyyymmddHHMM (0000 when unknown)
    gender: Mapped[int] = mapped_column(SmallInteger)  # 1 Nam, 2 Nữ, 3 chưa xác định
    card_number: Mapped[str] = mapped_column(String(50))  # MA_THE_BHYT (several joined by ';')
    registered_facility: Mapped[str] = mapped_column(String(50))  # MA_DKBD
    card_valid_from: Mapped[str] = mapped_column(String(50))  # GT_THE_TU, yyyymmdd[;...]
    card_valid_to: Mapped[str] = mapped_column(String(50))  # GT_THE_DEN, yyyymmdd[;...]
    main_icd: Mapped[str] = mapped_column(String(7))  # MA_BENH_CHINH, dotted
    other_icd: Mapped[str | None] = mapped_column(String(100))  # MA_BENH_KT, dotted, ';'
    diagnosis: Mapped[str | None] = mapped_column(Text)  # CHAN_DOAN_RV
    visit_type: Mapped[str] = mapped_column(String(2))  # MA_LOAI_KCB
    arrival_code: Mapped[str | None] = mapped_column(String(4))  # MA_DOITUONG_KCB
    discharged_at: Mapped[datetime]  # NGAY_RA
    treatment_result: Mapped[int] = mapped_column(SmallInteger)  # KET_QUA_DTRI
    discharge_type: Mapped[int] = mapped_column(SmallInteger)  # MA_LOAI_RV
    total: Mapped[Decimal] = mapped_column(MONEY)  # T_TONGCHI_BV
    insured_total: Mapped[Decimal] = mapped_column(MONEY)  # T_TONGCHI_BH
    self_paid: Mapped[Decimal] = mapped_column(MONEY)  # T_BNTT
    copay: Mapped[Decimal] = mapped_column(MONEY)  # T_BNCCT
    fund_paid: Mapped[Decimal] = mapped_column(MONEY)  # T_BHTT
    received_at: Mapped[datetime]


# GET /me/visits and Lskcb2025: one person's visits, newest first (one index per partition).
Index("ix_visits_person_admitted", Visit.person_id, Visit.admitted_at, Visit.id)


class VisitKey(Base):
    """(facility, MA_LK) -> the visit row that holds it now: re-sending a MA_LK replaces the visit,
    whatever month its NGAY_VAO moves to."""

    __tablename__ = "visit_keys"

    facility_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    ma_lk: Mapped[str] = mapped_column(String(100), primary_key=True)
    visit_id: Mapped[str] = mapped_column(String(32))
    admitted_at: Mapped[datetime]


class CopayYear(Base):
    """T_BNCCT summed over a person's visits discharged in one calendar year (Vietnam time), and the
    first day the running sum went over 6 x the base salary in force that day."""

    __tablename__ = "copay_years"

    person_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    paid: Mapped[Decimal] = mapped_column(MONEY)
    over_ceiling_on: Mapped[date | None]
    updated_at: Mapped[datetime]
