"""Gateway accounts (the national gateway's per-user logins, CV 1923) and a clinic client's
address allow-list (CV 1923 IP whitelisting)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class GatewayAccount(Base):
    __tablename__ = "gateway_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.client_id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id of the lower-case MD5 hex
    created_at: Mapped[datetime]


class ClientAddress(Base):
    __tablename__ = "client_addresses"
    __table_args__ = (UniqueConstraint("client_id", "cidr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.client_id", ondelete="CASCADE"), index=True)
    cidr: Mapped[str] = mapped_column(String(64))  # normalised network, e.g. 203.0.113.0/24
    created_at: Mapped[datetime]
