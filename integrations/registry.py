"""Population-registry adapter (CSDL quốc gia về dân cư): `local` or `http` (REGISTRY_BACKEND).

Both answer one question: does the registry hold this CCCD with this name, date of birth and
gender? Names compare as CONTRACT §1 says (services.names.same_name).

`local` reads the `registry_records` table that `flask registry import` fills.

Dates of birth may be partial (`services.birth_dates.BirthDate`): a match compares only the parts
both the question and the registry row know.

`http` posts `{cccd, full_name, date_of_birth, gender, consent, request_id}` as JSON to
REGISTRY_URL (`date_of_birth` in the precision given: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`) and
expects `200 {"match": bool, "request_id": "..."}`. It waits REGISTRY_TIMEOUT
seconds (3 by default). It retries once, and only when the connection was refused: then nothing
reached the server, so a second try cannot double anything. A request that was sent and timed out
is never retried (the caller answers 503 at once rather than making the citizen wait 6 s). Any
failure (refused twice, timeout, non-200, a body without a boolean `match`) raises
RegistryUnavailable (errors.Unavailable): `503 registry_unavailable` with Retry-After, wherever it surfaces.
"""
from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from errors import AdapterUnavailable
from services.birth_dates import BirthDate, coerce, of_record
from services.names import same_name

log = logging.getLogger(__name__)

# SQLite allows 32,766 bound variables per statement (older builds 999); PostgreSQL 65,535.
CHUNK = 5000

Identity = tuple[str, str, BirthDate, str]  # (cccd, full_name, date_of_birth, gender)


class RegistryUnavailable(AdapterUnavailable):
    """The registry could not answer (down, slow, broken). Nothing must be written on this."""

    code = "registry_unavailable"
    detail = "The population registry is not answering; nothing was written."
    retry_after = 30
    tells_retry_after = True

    def __init__(self, reason: str = "population registry unavailable", retry_after: float | None = None):
        super().__init__(reason, retry_after)


def _matches(row, full_name: str, date_of_birth: BirthDate | date, gender: str) -> bool:
    return (
        row is not None
        and same_name(row.full_name, full_name)
        and of_record(row).matches(coerce(date_of_birth))
        and row.gender == gender
    )


class LocalRegistry:
    """The `registry_records` table."""

    name = "local"

    def verify(self, session: Session, cccd: str, full_name: str, date_of_birth: BirthDate | date, gender: str,
               *, consent: bool = True, request_id: str | None = None) -> bool:
        from models import RegistryRecord

        row = session.get(RegistryRecord, cccd)
        return _matches(row, full_name, date_of_birth, gender)

    def verify_many(self, session: Session, rows: Sequence[Identity]) -> list[bool]:
        """One `WHERE cccd IN (...)` query per CHUNK rows, not one query per row."""
        from models import RegistryRecord

        found: dict[str, RegistryRecord] = {}
        cccds = sorted({r[0] for r in rows})
        for start in range(0, len(cccds), CHUNK):
            chunk = cccds[start:start + CHUNK]
            for rec in session.scalars(select(RegistryRecord).where(RegistryRecord.cccd.in_(chunk))):
                found[rec.cccd] = rec
        return [_matches(found.get(c), n, d, g) for c, n, d, g in rows]

    def lookup(self, session: Session, cccd: str) -> tuple[str, BirthDate, str] | None:
        from models import RegistryRecord

        row = session.get(RegistryRecord, cccd)
        return None if row is None else (row.full_name, of_record(row), row.gender)


class HttpRegistry:
    """A remote registry speaking the JSON contract in this module's docstring."""

    name = "http"

    def __init__(self, url: str, timeout: float = 3.0, retry_after: int = 30):
        import requests

        self.url = url
        self.timeout = timeout
        self.retry_after = retry_after
        self._http = requests.Session()

    def verify(self, session: Session | None, cccd: str, full_name: str, date_of_birth: BirthDate | date, gender: str,
               *, consent: bool = True, request_id: str | None = None) -> bool:
        import requests

        body = {
            "cccd": cccd,
            "full_name": full_name,
            "date_of_birth": coerce(date_of_birth).iso(),
            "gender": gender,
            "consent": bool(consent),
            "request_id": request_id or uuid.uuid4().hex,
        }
        for attempt in (1, 2):
            try:
                resp = self._http.post(self.url, json=body, timeout=self.timeout)
                break
            except requests.exceptions.ConnectionError as exc:
                # A refused connection (not a read timeout) never reached the server: safe to retry once.
                if attempt == 1 and _refused(exc):
                    continue
                raise self._unavailable(f"registry connection failed: {type(exc).__name__}") from exc
            except requests.exceptions.RequestException as exc:  # Timeout and everything else
                raise self._unavailable(f"registry request failed: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise self._unavailable(f"registry answered HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError as exc:
            raise self._unavailable("registry answered something that is not JSON") from exc
        match = data.get("match") if isinstance(data, dict) else None
        if not isinstance(match, bool):
            raise self._unavailable("registry answer has no boolean `match`")
        return match

    def verify_many(self, session: Session | None, rows: Sequence[Identity]) -> list[bool]:
        """The documented remote contract has no batch call: one request per row, in order."""
        return [self.verify(session, c, n, d, g) for c, n, d, g in rows]

    def lookup(self, session: Session | None, cccd: str) -> None:
        """The remote contract only answers match / no match; it never hands out a person's data."""
        return None

    def _unavailable(self, message: str) -> RegistryUnavailable:
        log.warning("population registry unavailable: %s", message)
        return RegistryUnavailable(message, self.retry_after)


def _refused(exc: BaseException) -> bool:
    """Walk the exception chain for ConnectionRefusedError (urllib3 wraps it twice)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, ConnectionRefusedError):
            return True
        stack.extend([cur.__cause__, cur.__context__, *_args_exceptions(cur.args)])
        reason = getattr(cur, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return False


def _args_exceptions(args: Iterable) -> list[BaseException]:
    return [a for a in args if isinstance(a, BaseException)]


def from_config(cfg) -> LocalRegistry | HttpRegistry:
    backend = (cfg.get("REGISTRY_BACKEND") or "local").lower()
    if backend == "local":
        return LocalRegistry()
    if backend == "http":
        url = cfg.get("REGISTRY_URL")
        if not url:
            raise ValueError("REGISTRY_BACKEND=http needs REGISTRY_URL")
        return HttpRegistry(url, float(cfg.get("REGISTRY_TIMEOUT") or 3.0),
                            int(cfg.get("REGISTRY_RETRY_AFTER") or 30))
    raise ValueError(f"unknown REGISTRY_BACKEND {backend!r}: use local or http")
