"""The shared counter store of auth/throttle.py when REDIS_URL is unset (the embedded default):
every gunicorn worker and every process on the database sees the same counts."""
from __future__ import annotations

from sqlalchemy import BigInteger, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

KEY_LENGTH = 200


class ThrottleKey(Base):
    """One row per counter: locked (SELECT ... FOR UPDATE / SQLite's write lock) while a hit is
    counted, so two workers cannot both take the last slot."""

    __tablename__ = "throttle_keys"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)


class ThrottleHit(Base):
    """One counted event of a sliding window; rows older than the window are deleted as they go."""

    __tablename__ = "throttle_hits"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    at: Mapped[float] = mapped_column(Float)  # epoch seconds (clock.now())
