"""Gateway accounts (per-user logins of a clinic client, CV 1923) and address allow-lists.

A hospital system sends the MD5 hex of the password (either case). We store only an Argon2id hash
of the lower-case MD5 hex: the MD5 is what crosses the wire, so it is the secret to protect, and a
slow hash keeps a leaked table from giving it away. Functions flush but do not commit (the CLI
commits its unit of work).
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from auth import passwords
from models import ApiClient, ClientAddress, GatewayAccount
from services import audit
from services.api_clients import ClientError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")


def md5_hex(password: str) -> str:
    return hashlib.md5(password.encode("utf-8")).hexdigest()  # noqa: S324 (the gateway's protocol)


def _clinic(session: Session, client_id: str) -> ApiClient:
    client = session.get(ApiClient, client_id)
    if client is None:
        raise ClientError(f"no client {client_id}")
    if client.kind != "clinic":
        raise ClientError("gateway accounts and address lists are for clinic clients only")
    return client


def create_account(session: Session, client_id: str, username: str | None) -> tuple[GatewayAccount, str]:
    """A new gateway account of a clinic client; returns it and its plain password (shown once).
    `username` defaults to the facility's `<facility code>_BV`."""
    client = _clinic(session, client_id)
    username = (username or f"{client.facility_code}_BV").strip()
    if not USERNAME_RE.match(username):
        raise ClientError("username must be 3 to 64 letters, digits, '_', '.' or '-'")
    if session.scalar(select(GatewayAccount.id).where(GatewayAccount.username == username)) is not None:
        raise ClientError(f"username {username} is taken")
    password = secrets.token_urlsafe(18)
    account = GatewayAccount(client_id=client_id, username=username,
                             password_hash=passwords.hash_password(md5_hex(password)), created_at=clock.now())
    session.add(account)
    session.flush()
    audit.record(session, ("system", None), "client.gateway_account", ("client", client_id), {"username": username})
    return account, password


def authenticate(session: Session, username: str, password_md5: str) -> tuple[GatewayAccount, ApiClient] | None:
    """The account and its active clinic client, or None; an unknown username costs the same hash."""
    account = session.scalar(select(GatewayAccount).where(GatewayAccount.username == username)) if username else None
    candidate = password_md5.lower() if _MD5_RE.match(password_md5 or "") else "\x00not-an-md5"
    if not passwords.verify_password(account.password_hash if account else None, candidate) or account is None:
        return None
    client = session.get(ApiClient, account.client_id)
    return (account, client) if client is not None and client.active else None


def normalise_cidr(cidr: str) -> str:
    try:
        return str(ipaddress.ip_network((cidr or "").strip(), strict=False))
    except ValueError as exc:
        raise ClientError(f"not an address or network: {cidr!r}") from exc


def allow_address(session: Session, client_id: str, cidr: str) -> str:
    """Add one network to a clinic client's allow-list (idempotent); returns it normalised."""
    _clinic(session, client_id)
    network = normalise_cidr(cidr)
    found = session.scalar(select(ClientAddress.id).where(ClientAddress.client_id == client_id,
                                                          ClientAddress.cidr == network))
    if found is None:
        session.add(ClientAddress(client_id=client_id, cidr=network, created_at=clock.now()))
        session.flush()
        audit.record(session, ("system", None), "client.allow_address", ("client", client_id), {"cidr": network})
    return network


def allowed_networks(session: Session, client_id: str) -> list[str]:
    return list(session.scalars(select(ClientAddress.cidr).where(ClientAddress.client_id == client_id)))
