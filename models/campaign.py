"""The campaign's per-person standing (CONTRACT §12), derived from insured_persons and cards.

One row per participant (an insured person holding at least one card): the province of the current
card (latest valid_from) and whether the record carries a CCCD and an app account. Kept in the same
transaction as every change to those facts (services.campaign.refresh); `flask report campaign
--recount` rebuilds it from the source tables. No foreign key: it is a derived table that the
recount may rebuild wholesale.
"""
from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CampaignPerson(Base):
    __tablename__ = "campaign_people"

    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    province_code: Mapped[str] = mapped_column(String(2))
    cccd_verified: Mapped[bool]
    app_linked: Mapped[bool]


class CampaignCount(Base):
    """Per-province totals of campaign_people, moved by the same statements that move its rows:
    the report reads 63 rows, not one row per person."""

    __tablename__ = "campaign_counts"

    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    participants: Mapped[int]
    cccd_verified: Mapped[int]
    app_linked: Mapped[int]


# The recount's cross-check and the per-province count read only this index on PostgreSQL.
Index("ix_campaign_people_province", CampaignPerson.province_code, CampaignPerson.cccd_verified,
      CampaignPerson.app_linked)
