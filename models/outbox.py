"""The transactional outbox: one row per message to send (SMS, push), written in the transaction of
the change that asks for it. The task queue carries only the row's id; the body is encrypted
(services/outbox.py) and erased once the message is sent, expired or given up."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)  # the idempotency key
    channel: Mapped[str] = mapped_column(String(8))  # sms | push
    recipient: Mapped[str] = mapped_column(String(64))  # E.164 phone (sms) or account id (push)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)  # Fernet token; NULL once settled
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending|sending|sent|dead|expired
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]  # a 'sending' row whose lease ran out: its worker died
    expires_at: Mapped[datetime | None]  # an OTP SMS is worthless after its code expired
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    settled_at: Mapped[datetime | None]


# The sweeper's and the operators' view: rows by state, due first.
Index("ix_outbox_messages_status_next", OutboxMessage.status, OutboxMessage.next_attempt_at)
