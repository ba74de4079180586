"""Citizen and officer accounts, OTP challenges, login sessions and their refresh tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)  # E.164, +84...
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="citizen")  # citizen | officer
    created_at: Mapped[datetime]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # a sealed box (auth/secrets_box.py)
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]  # last accepted TOTP time step: a code is good once


class OtpChallenge(Base):
    """One OTP flow (register, login, reset). The code is kept only as a keyed hash."""

    __tablename__ = "otp_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    purpose: Mapped[str] = mapped_column(String(16))  # register | login | reset
    channel: Mapped[str] = mapped_column(String(8), default="sms")  # sms | totp
    phone: Mapped[str] = mapped_column(String(16), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    code_hash: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. registration data awaiting the code
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    consumed_at: Mapped[datetime | None]


class LoginSession(Base):
    """A login: the family of refresh tokens that rotate from it (30-day absolute life)."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


Index("ix_otp_challenges_phone_created", OtpChallenge.phone, OtpChallenge.created_at)
