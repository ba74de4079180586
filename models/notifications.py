"""Citizen notifications (thông báo), their push devices, and the high-water marks of the jobs that
derive notifications from other tables."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id
from .checks import CardCheck


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What caused it (e.g. "check:<id>", "expiry:<card id>:<valid_to>"): a job run twice notifies once.
    source_key: Mapped[str | None] = mapped_column(String(96))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("account_id", "source_key", name="uq_notifications_account_source"),)


# GET /me/notifications: unread first, newest first.
Index("ix_notifications_account_read_created", Notification.account_id, Notification.read_at,
      Notification.created_at)


class Device(Base):
    """A phone that registered for push (an FCM registration token)."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(8))  # android | ios | web
    token: Mapped[str] = mapped_column(String(4096))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one row per token
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class JobCursor(Base):
    """Where a periodic job stopped (e.g. the last card check turned into notifications)."""

    __tablename__ = "job_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[datetime]


# The card-check notices job reads card_checks by time. BRIN on PostgreSQL: the log is appended in
# time order, so a block-range summary finds the last minute's rows and costs the clinic's INSERT
# next to nothing (a btree would add a page write to every check). SQLite gets a plain index.
Index("ix_card_checks_checked_at", CardCheck.checked_at, postgresql_using="brin")
