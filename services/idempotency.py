"""Idempotency-Key handling for employer batches (CONTRACT §6).

Design: the whole batch is ONE transaction that starts by inserting its `batches` row
(status in_progress, unique (client_id, idempotency_key)) and ends by storing the answer (status
done) and committing together with every person, card and employment it wrote.

- Same key + same body: the committed row is found and its stored answer replayed; nothing is written.
- Same key + another body (another request hash): 422 idempotency_key_reused.
- Two requests with one key at once: the second one's INSERT waits on the first one's uncommitted
  unique-index entry (PostgreSQL). When the first commits, the second finds its row and replays
  the answer; when the first rolls back (error, crash), the second does the work itself. A wait
  longer than IDEMPOTENCY_WAIT_SECONDS answers 409 idempotency_key_in_progress (retry later).
- A crash (process killed, connection lost) rolls the transaction back: no in_progress row is ever
  committed, so a key can never be blocked forever and no lease/expiry logic is needed. A committed
  in_progress row can only come from outside this module; it answers 409 like a running batch.

The request hash is over the canonical parsed rows (not the raw bytes): the same rows sent as
JSON or as CSV, with other white space or key order, are the same request.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

import clock
from errors import BadRequest, Conflict, Invalid, Unavailable
from models import Batch, new_id

KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as clients send UUIDs or ULIDs
DEFAULT_WAIT_SECONDS = 10
ATTEMPTS = 5

P = TypeVar("P")


class KeyRequired(BadRequest):
    code = "idempotency_key_required"
    detail = "The header Idempotency-Key is required (e.g. a UUID)."


class KeyInvalid(BadRequest):
    code = "idempotency_key_invalid"
    detail = "Idempotency-Key must be 1 to 255 visible ASCII characters."


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"
    detail = "A request with this Idempotency-Key is still being processed; retry shortly."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"}, extra={"retry_after": 5})


class KeyReused(Invalid):
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was used with another request body; use a new key."


class ConcurrentUpdate(Unavailable):
    code = "concurrent_update"
    detail = "Concurrent batches touched the same people; nothing was written. Retry with the same key."
    retry_after = 1
    tells_retry_after = True


@dataclass(frozen=True)
class Scope:
    client_id: str
    unit_code: str
    kind: str  # enrollment | termination
    key: str


def check_key(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise KeyRequired()
    key = raw.strip()
    if not KEY_RE.match(key):
        raise KeyInvalid()
    return key


def _canon(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_canon(v) for v in value]
    return value


def request_hash(kind: str, rows: list) -> str:
    body = json.dumps([kind, _canon(rows)], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def find(session: Session, scope: Scope) -> Batch | None:
    return session.scalars(
        select(Batch).where(Batch.client_id == scope.client_id, Batch.idempotency_key == scope.key)
    ).first()


def in_progress() -> KeyInProgress:
    return KeyInProgress()


def replay(batch: Batch, req_hash: str) -> dict:
    if batch.request_hash != req_hash:
        raise KeyReused()
    if batch.status != "done" or batch.response is None:
        raise in_progress()
    return batch.response


def claim(session: Session, scope: Scope, req_hash: str, wait_seconds: float) -> str | None:
    """Insert the batch row inside the current transaction; None when the key is taken (committed)."""
    values = dict(
        id=new_id(), client_id=scope.client_id, unit_code=scope.unit_code, kind=scope.kind,
        idempotency_key=scope.key, request_hash=req_hash, status="in_progress", response=None,
        created_at=clock.now(), finished_at=None,
    )
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (insert(Batch).values(**values)
            .on_conflict_do_nothing(index_elements=["client_id", "idempotency_key"])
            .returning(Batch.id))
    try:
        if dialect == "postgresql":
            session.execute(text("SELECT set_config('lock_timeout', :v, true)"),
                            {"v": f"{int(wait_seconds * 1000)}ms"})
        got = session.execute(stmt).scalar()
        if dialect == "postgresql":
            session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    except OperationalError as exc:
        # lock_timeout (PostgreSQL) or "database is locked" (SQLite): the other request still runs.
        # Anything else (a lost connection) is not about the key: let it answer 503.
        if not _lock_wait_exceeded(exc):
            raise
        session.rollback()
        raise in_progress() from exc
    return got


def _lock_wait_exceeded(exc: OperationalError) -> bool:
    return type(exc.orig).__name__ == "LockNotAvailable" or "database is locked" in str(exc.orig)


def finish(session: Session, batch_id: str, response: dict) -> None:
    session.execute(update(Batch).where(Batch.id == batch_id)
                    .values(status="done", response=response, finished_at=clock.now()))


def _retryable(exc: Exception) -> bool:
    """Losing a race to a concurrent batch (same new CCCD, same drawn code, deadlock): retry."""
    if isinstance(exc, IntegrityError):
        return True
    name = type(getattr(exc, "orig", None)).__name__
    return name in ("DeadlockDetected", "SerializationFailure")


def execute(
    session: Session, scope: Scope, req_hash: str,
    prepare: Callable[[], P], apply: Callable[[str, P], dict],
    *, wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> tuple[dict, bool]:
    """Run a batch once per key: (answer, replayed).

    `prepare` does the read-only work (validation, registry lookups) outside the key's lock;
    `apply(batch_id, prepared)` writes and returns the answer; both commit together here.
    """
    existing = find(session, scope)
    if existing is not None:
        answer = replay(existing, req_hash)
        session.rollback()
        return answer, True
    prepared = prepare()
    for _attempt in range(ATTEMPTS):
        try:
            batch_id = claim(session, scope, req_hash, wait_seconds)
            if batch_id is None:
                other = find(session, scope)
                if other is None:  # the holder rolled back between our statements: try again
                    session.rollback()
                    continue
                answer = replay(other, req_hash)
                session.rollback()
                return answer, True
            answer = apply(batch_id, prepared)
            finish(session, batch_id, answer)
            session.commit()
            return answer, False
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if not _retryable(exc):
                raise
        except BaseException:
            session.rollback()
            raise
    raise ConcurrentUpdate()
