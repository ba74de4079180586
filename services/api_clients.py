"""API clients (clinics bound to a facility, employers bound to a unit and province) and clinic staff.

`create_client` and `add_staff` flush but do not commit: the CLI and the demo seed commit their
whole unit of work.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from auth import clients as client_secrets
from errors import BadRequest, Invalid, Unauthorized
from models import ApiClient, ClinicStaff
from privacy import mask_tail
from services import audit
from services.identifiers import FACILITY_RE, PROVINCES, UNIT_RE, check_cccd

KINDS = ("clinic", "employer", "birth_registry")
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_SECRET_LENGTH = 8  # only for operator-chosen secrets (demo data); generated ones are 256-bit


class UnsupportedGrantType(BadRequest):
    code = "unsupported_grant_type"
    detail = "Only grant_type=client_credentials is supported."

    def __init__(self) -> None:
        super().__init__(extra={"error": self.code})  # RFC 6749 §5.2, for stock OAuth client libraries


class InvalidClient(Unauthorized):
    code = "invalid_client"
    detail = "Unknown client or wrong secret."

    def __init__(self, basic_auth: bool) -> None:
        # RFC 6749 §5.2: a client that tried HTTP Basic is told the scheme again.
        super().__init__(headers={"WWW-Authenticate": 'Basic realm="vssid"'} if basic_auth else None,
                         extra={"error": self.code})


class ClientError(Invalid):
    """An operator input that cannot make a client; the detail says which and why (the CLI prints it)."""

    code = "invalid_client"


def _name(value: str, what: str = "name") -> str:
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not name or len(name) > 200:
        raise ClientError(f"{what} must be 1 to 200 characters")
    return name


def _binding(kind: str, facility_code, unit_code, province_code) -> dict:
    if kind == "clinic":
        if not FACILITY_RE.match(facility_code or ""):
            raise ClientError("a clinic needs --facility-code of 5 digits (mã cơ sở KCB)")
        if unit_code or province_code:
            raise ClientError("a clinic is bound to a facility only (no unit code or province)")
        return {"facility_code": facility_code, "unit_code": None, "province_code": None}
    if kind == "employer":
        if not UNIT_RE.match(unit_code or ""):
            raise ClientError("an employer needs --unit-code of 7 upper-case letters and digits")
        if (province_code or "") not in PROVINCES:
            raise ClientError("an employer needs --province, a 2-digit province code (reference/domain.md)")
        if facility_code:
            raise ClientError("an employer is bound to a unit and province only (no facility code)")
        return {"facility_code": None, "unit_code": unit_code, "province_code": province_code}
    if kind == "birth_registry":  # the birth-registration system (docs/family.md): bound to nothing
        if facility_code or unit_code or province_code:
            raise ClientError("a birth-registry client has no facility, unit or province")
        return {"facility_code": None, "unit_code": None, "province_code": None}
    raise ClientError(f"kind must be one of {', '.join(KINDS)}")


def create_client(session: Session, kind: str, name: str, *, facility_code: str | None = None,
                  unit_code: str | None = None, province_code: str | None = None, client_id: str | None = None,
                  secret: str | None = None) -> tuple[ApiClient, str]:
    """A new client (or, for a given existing client_id, the same client re-bound with a new secret).
    Returns the client and its plain secret, which is shown once and stored only as a keyed hash."""
    binding = _binding(kind, facility_code, unit_code, province_code)
    name = _name(name)
    if client_id is not None and not _CLIENT_ID_RE.match(client_id):
        raise ClientError("client_id must be 3 to 64 letters, digits, '_', '.' or '-'")
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ClientError(f"a chosen secret must be at least {MIN_SECRET_LENGTH} characters")
    secret = secret or client_secrets.new_secret()
    client = session.get(ApiClient, client_id) if client_id else None
    if client is None:
        client = ApiClient(client_id=client_id or client_secrets.new_client_id(kind), created_at=clock.now())
        session.add(client)
    client.kind = kind
    client.name = name
    client.secret_hash = client_secrets.hash_secret(secret)
    client.active = True
    for key, value in binding.items():
        setattr(client, key, value)
    session.flush()
    audit.record(session, ("system", None), "client.create", ("client", client.client_id),
                 {"kind": kind, **{k: v for k, v in binding.items() if v}})
    return client, secret


def add_staff(session: Session, client_id: str, cccd: str, full_name: str) -> ClinicStaff:
    """Register a staff member of a clinic client; the same CCCD again updates the name."""
    client = session.get(ApiClient, client_id)
    if client is None:
        raise ClientError(f"no client {client_id}")
    if client.kind != "clinic":
        raise ClientError("staff can be added to clinic clients only")
    cccd = (cccd or "").strip()
    problems = check_cccd(cccd)
    if problems:
        raise ClientError("; ".join(problems))
    name = _name(full_name, "staff name")
    staff = session.scalar(select(ClinicStaff).where(ClinicStaff.client_id == client_id, ClinicStaff.cccd == cccd))
    if staff is None:
        staff = ClinicStaff(client_id=client_id, cccd=cccd, full_name=name)
        session.add(staff)
    else:
        staff.full_name = name
    session.flush()
    audit.record(session, ("system", None), "client.staff_add", ("client", client_id), {"cccd": mask_tail(cccd)})
    return staff


def deactivate(session: Session, client_id: str) -> ApiClient:
    """End a client (any kind): no new token, and its tokens already issued are refused from the
    next request on (auth/client_state.py). Flushes; the CLI commits."""
    client = session.get(ApiClient, client_id) if client_id else None
    if client is None:
        raise ClientError(f"no client {client_id}")
    was_active = client.active
    client.active = False
    session.flush()
    audit.record(session, ("system", None), "client.deactivate", ("client", client.client_id),
                 {"kind": client.kind, "was_active": was_active})
    return client


def authenticate(session: Session, client_id: str, secret: str) -> ApiClient | None:
    """The active client with this id and secret, or None (same work either way). A secret still
    stored in the old SECRET_KEY-bound form is re-stored in the current one when it matches."""
    client = session.get(ApiClient, client_id) if client_id else None
    right, stale = client_secrets.check_secret(client.secret_hash if client else None, secret)
    if right and stale and client is not None:
        client.secret_hash = client_secrets.hash_secret(secret)
        session.commit()
    return client if right and client is not None and client.active else None


def token_claims(client: ApiClient) -> dict:
    if client.kind == "clinic":
        return {"typ": "access", "role": "clinic", "fac": client.facility_code}
    if client.kind == "birth_registry":
        return {"typ": "access", "role": "birth_registry"}
    return {"typ": "access", "role": "employer", "unit": client.unit_code, "prov": client.province_code}
