"""The transactional outbox (docs/notifications.md): a message to send is a row written in the
transaction of the change that causes it; after that transaction commits, the task queue gets the
row's id (a hint). A worker claims the row, sends it with the row id as the idempotency key, and
settles it. A lost hint (queue down, crash right after the commit) is found again by `sweep`; a
worker that died mid-send leaves a lease that runs out, and the row is sent again with the same key.

Bodies are encrypted (Fernet, key derived from SECRET_KEY with HKDF): the database and its backups
never hold an SMS's one-time code in clear, and the queue holds only ids. A body is erased once its
message is sent or expired; a dead message keeps it so that an operator can retry it.

The application's outbox settings ride on its session factory (`install`), so that any service
holding a session can write to the outbox without reaching for Flask.
"""
from __future__ import annotations

import base64
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import CursorResult, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

import clock
from models import OutboxMessage, new_id

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, DEAD, EXPIRED = "pending", "sending", "sent", "dead", "expired"
STATUSES = (PENDING, SENDING, SENT, DEAD, EXPIRED)
INFO_KEY = "outbox"
_PENDING_IDS = "outbox.pending_ids"
SWEEP_GRACE = timedelta(seconds=30)  # a fresh row's hint is normally still in the queue


class PermanentFailure(Exception):
    """The recipient's system refused the message for good (e.g. an invalid number): no retry."""


@dataclass(frozen=True)
class Settings:
    fernet: Fernet
    hint: Callable[[list[str]], None]  # hands ids to the task queue
    max_attempts: int = 8
    backoff_s: float = 2.0
    lease_s: float = 60.0


@lru_cache(maxsize=8)
def fernet_for(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"vssid outbox body v1").derive(
        secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def install(factory: sessionmaker, settings: Settings) -> None:
    factory.configure(info={INFO_KEY: settings})


def settings_of(session: Session) -> Settings:
    found = session.info.get(INFO_KEY)
    if found is None:
        raise RuntimeError("this session's factory has no outbox settings (services.outbox.install)")
    return found


def add(session: Session, channel: str, recipient: str, body: str, *, expires_at: datetime | None = None) -> str:
    """Write a message in the session's transaction; its id goes to the queue once that commits."""
    s = settings_of(session)
    now = clock.now()
    row = OutboxMessage(id=new_id(), channel=channel, recipient=recipient,
                        body=s.fernet.encrypt(body.encode("utf-8")), status=PENDING, attempts=0,
                        next_attempt_at=now, expires_at=expires_at, created_at=now)
    session.add(row)
    session.info.setdefault(_PENDING_IDS, []).append(row.id)
    return row.id


def add_sms(session: Session, to: str, text: str, *, expires_at: datetime | None = None) -> str:
    return add(session, "sms", to, text, expires_at=expires_at)


@event.listens_for(Session, "after_commit")
def _hint_after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING_IDS, None)
    if ids:
        hint(session, ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_IDS, None)


def hint(session: Session, ids: list[str]) -> None:
    """Tell the queue; if it is away, the sweep finds the rows later (never fail the caller)."""
    try:
        settings_of(session).hint(list(ids))
    except Exception as exc:  # noqa: BLE001 - the rows are committed; the sweep will send them
        log.warning("task queue unavailable, %d message(s) left to the sweep: %s", len(ids), type(exc).__name__)


def _claim(session: Session, message_id: str, now: datetime, lease_s: float) -> int | None:
    """Take the row for sending; its attempt number, or None when it is not ours to send now."""
    attempt = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .values(status=SENDING, attempts=OutboxMessage.attempts + 1, lease_until=now + timedelta(seconds=lease_s))
        .returning(OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    session.commit()
    return attempt


def _settle(session: Session, message_id: str, attempt: int, **values) -> bool:
    """Write the outcome unless the lease was taken over meanwhile (then the other attempt owns it)."""
    done = cast(CursorResult, session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == SENDING, OutboxMessage.attempts == attempt)
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )).rowcount
    session.commit()
    return done == 1


def backoff(settings: Settings, attempt: int) -> float:
    base = settings.backoff_s * (2 ** (attempt - 1))
    return min(base, 3600.0) * random.uniform(1.0, 1.2)  # jitter: retries of one outage spread out


def deliver(session: Session, message_id: str, send: Callable[[OutboxMessage, str], None]) -> tuple[str, float | None]:
    """Send one message if it is due: (outcome, seconds until the retry or None)."""
    s = settings_of(session)
    now = clock.now()
    attempt = _claim(session, message_id, now, s.lease_s)
    if attempt is None:
        return "skipped", None
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None or row.body is None:
        return "skipped", None
    if row.expires_at is not None and row.expires_at <= now:
        _settle(session, message_id, attempt, status=EXPIRED, body=None, settled_at=now)
        return EXPIRED, None
    try:
        body = s.fernet.decrypt(row.body).decode("utf-8")
    except (InvalidToken, TypeError):
        _settle(session, message_id, attempt, status=DEAD, last_error="body cannot be decrypted (key changed?)",
                settled_at=now)
        return DEAD, None
    session.commit()  # no transaction stays open while a slow gateway thinks
    try:
        send(row, body)
    except PermanentFailure as exc:
        _settle(session, message_id, attempt, status=DEAD, last_error=str(exc)[:200], settled_at=clock.now())
        return DEAD, None
    except Exception as exc:  # noqa: BLE001 - any failure of an outside system is retried
        error = f"{type(exc).__name__}: {exc}"[:200]
        if attempt >= s.max_attempts:
            _settle(session, message_id, attempt, status=DEAD, last_error=error, settled_at=clock.now())
            log.warning("outbox message %s dead after %d attempts: %s", message_id, attempt, type(exc).__name__)
            return DEAD, None
        delay = backoff(s, attempt)
        _settle(session, message_id, attempt, status=PENDING, last_error=error,
                next_attempt_at=clock.now() + timedelta(seconds=delay))
        return "retry", delay
    _settle(session, message_id, attempt, status=SENT, body=None, last_error=None, settled_at=clock.now())
    return SENT, None


def sweep(session: Session, *, grace: timedelta = SWEEP_GRACE, limit: int = 1000) -> int:
    """Reclaim rows whose worker died (lease over) and hint every due row; how many were hinted."""
    now = clock.now()
    reclaimed = list(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now)
        .values(status=PENDING, lease_until=None, next_attempt_at=now, last_error="lease expired (worker died?)")
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
    session.commit()
    due = list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now - grace)
        .order_by(OutboxMessage.next_attempt_at).limit(limit)))
    session.commit()
    ids = reclaimed + [i for i in due if i not in set(reclaimed)]
    if ids:
        hint(session, ids)
    return len(ids)


def status(session: Session, dead_limit: int = 50) -> dict:
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({k: v for k, v in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))})
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == PENDING))
    dead = session.execute(
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.attempts,
               OutboxMessage.last_error, OutboxMessage.created_at)
        .where(OutboxMessage.status == DEAD).order_by(OutboxMessage.created_at.desc()).limit(dead_limit)).all()
    return {"counts": counts, "oldest_pending_at": oldest.isoformat() if oldest else None, "dead": [
        {"id": r.id, "channel": r.channel, "recipient": _mask(r.channel, r.recipient), "attempts": r.attempts,
         "last_error": r.last_error, "created_at": r.created_at.isoformat()} for r in dead]}


def _mask(channel: str, recipient: str) -> str:
    from privacy import mask_tail

    return (mask_tail(recipient, 3) or "") if channel == "sms" else recipient


def retry(session: Session, ids: Iterable[str] | None) -> int:
    """Dead messages (all, or those named) back to pending, attempts from zero; how many."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == DEAD, OutboxMessage.body.is_not(None))
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(list(ids)))
    now = clock.now()
    chosen = list(session.scalars(stmt.values(status=PENDING, attempts=0, next_attempt_at=now, settled_at=None)
                                  .returning(OutboxMessage.id).execution_options(synchronize_session=False)))
    session.info.setdefault(_PENDING_IDS, []).extend(chosen)
    session.commit()
    return len(chosen)
