"""Population-registry adapter (CSDL quốc gia về dân cư): `local` or `http` (REGISTRY_BACKEND).

Both answer one question: does the registry hold this CCCD with this name, date of birth and
gender? Names compare as CONTRACT §1 says (services.names.same_name).

`local` reads the `registry_records` table that `flask registry import` fills.

`http` posts `{cccd, full_name, date_of_birth, gender, consent, request_id}` as JSON to
REGISTRY_URL and expects `200 {"match": bool, "request_id": "..."}`. It waits REGISTRY_TIMEOUT
seconds (3 by default). It retries once, and only when the connection was refused: then nothing
reached the server, so a second try cannot double anything. A request that was sent and timed out
is never retried (the caller answers 503 at once rather than making the citizen wait 6 s). Any
failure (refused twice, timeout, non-200, a body without a boolean `match`) raises
RegistryUnavailable (errors.Unavailable): `503 registry_unavailable` with Retry-After, wherever it surfaces.

Family relations (docs/family.md) are a second question each backend answers: is this person a
parent or legal guardian of that child, and who lives in this person's household. `local` reads
the relation columns of `registry_records`; `http` posts to REGISTRY_RELATIONS_URL (by default
`relations` next to REGISTRY_URL) `{relation: "guardian_child", guardian_cccd, child_cccd,
request_id}` answered by `200 {"related": bool}`, or `{relation: "household", cccd, request_id}`
answered by `200 {"members": [{cccd, full_name, date_of_birth, gender}]}`; same timeout, retry
and failure rules as above.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from urllib.parse import urljoin

from sqlalchemy import select
from sqlalchemy.orm import Session

from errors import AdapterUnavailable
from services.names import same_name
from services.registry_relations import GUARDIAN_COLUMNS

log = logging.getLogger(__name__)

# SQLite allows 32,766 bound variables per statement (older builds 999); PostgreSQL 65,535.
CHUNK = 5000

Identity = tuple[str, str, date, str]  # (cccd, full_name, date_of_birth, gender)


class RegistryUnavailable(AdapterUnavailable):
    """The registry could not answer (down, slow, broken). Nothing must be written on this."""

    code = "registry_unavailable"
    detail = "The population registry is not answering; nothing was written."
    retry_after = 30
    tells_retry_after = True

    def __init__(self, reason: str = "population registry unavailable", retry_after: float | None = None):
        super().__init__(reason, retry_after)


def _matches(row, full_name: str, date_of_birth: date, gender: str) -> bool:
    return (
        row is not None
        and same_name(row.full_name, full_name)
        and row.date_of_birth == date_of_birth
        and row.gender == gender
    )


def _among(session: Session, column, values: list):
    """`column IN values`; on PostgreSQL one array parameter (`= ANY`): a 5,000-name IN list costs
    the driver more to build than the server to run."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


class LocalRegistry:
    """The `registry_records` table."""

    name = "local"

    def verify(self, session: Session, cccd: str, full_name: str, date_of_birth: date, gender: str,
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
            for rec in session.scalars(select(RegistryRecord).where(_among(session, RegistryRecord.cccd, chunk))):
                found[rec.cccd] = rec
        return [_matches(found.get(c), n, d, g) for c, n, d, g in rows]

    def lookup(self, session: Session, cccd: str) -> tuple[str, date, str] | None:
        from models import RegistryRecord

        row = session.get(RegistryRecord, cccd)
        return None if row is None else (row.full_name, row.date_of_birth, row.gender)

    def is_guardian(self, session: Session, guardian_cccd: str, child_cccd: str, *,
                    request_id: str | None = None) -> bool:
        """The child's row names this person as mother, father or legal guardian."""
        from models import RegistryRecord

        row = session.get(RegistryRecord, child_cccd)
        return row is not None and guardian_cccd in {getattr(row, c) for c in GUARDIAN_COLUMNS}

    def household(self, session: Session, cccd: str, *, request_id: str | None = None) -> list[Identity]:
        """Every member of this person's household (the person included), or [] when none is known."""
        from models import RegistryRecord

        code = session.scalar(select(RegistryRecord.household_code).where(RegistryRecord.cccd == cccd))
        if code is None:
            return []
        rows = session.execute(select(RegistryRecord.cccd, RegistryRecord.full_name, RegistryRecord.date_of_birth,
                                      RegistryRecord.gender).where(RegistryRecord.household_code == code)
                               .order_by(RegistryRecord.cccd))
        return [tuple(r) for r in rows]  # type: ignore[misc]


class HttpRegistry:
    """A remote registry speaking the JSON contract in this module's docstring."""

    name = "http"

    def __init__(self, url: str, timeout: float = 3.0, retry_after: int = 30, relations_url: str | None = None):
        import requests

        self.url = url
        self.relations_url = relations_url or urljoin(url, "relations")
        self.timeout = timeout
        self.retry_after = retry_after
        self._http = requests.Session()

    def verify(self, session: Session | None, cccd: str, full_name: str, date_of_birth: date, gender: str,
               *, consent: bool = True, request_id: str | None = None) -> bool:
        body = {
            "cccd": cccd,
            "full_name": full_name,
            "date_of_birth": date_of_birth.isoformat(),
            "gender": gender,
            "consent": bool(consent),
            "request_id": request_id or uuid.uuid4().hex,
        }
        data = self._post(self.url, body)
        match = data.get("match")
        if not isinstance(match, bool):
            raise self._unavailable("registry answer has no boolean `match`")
        return match

    def _post(self, url: str, body: dict) -> dict:
        """The JSON object the registry answered, or RegistryUnavailable (see the module docstring)."""
        import requests

        for attempt in (1, 2):
            try:
                resp = self._http.post(url, json=body, timeout=self.timeout)
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
        if not isinstance(data, dict):
            raise self._unavailable("registry answer is not a JSON object")
        return data

    def is_guardian(self, session: Session | None, guardian_cccd: str, child_cccd: str, *,
                    request_id: str | None = None) -> bool:
        data = self._post(self.relations_url, {"relation": "guardian_child", "guardian_cccd": guardian_cccd,
                                               "child_cccd": child_cccd,
                                               "request_id": request_id or uuid.uuid4().hex})
        related = data.get("related")
        if not isinstance(related, bool):
            raise self._unavailable("registry answer has no boolean `related`")
        return related

    def household(self, session: Session | None, cccd: str, *, request_id: str | None = None) -> list[Identity]:
        data = self._post(self.relations_url, {"relation": "household", "cccd": cccd,
                                               "request_id": request_id or uuid.uuid4().hex})
        members = data.get("members")
        if not isinstance(members, list):
            raise self._unavailable("registry answer has no `members` list")
        try:
            return [(str(m["cccd"]), str(m["full_name"]), date.fromisoformat(m["date_of_birth"]),
                     str(m["gender"])) for m in members]
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unavailable("registry answer has a malformed household member") from exc

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
                            int(cfg.get("REGISTRY_RETRY_AFTER") or 30), cfg.get("REGISTRY_RELATIONS_URL"))
    raise ValueError(f"unknown REGISTRY_BACKEND {backend!r}: use local or http")
