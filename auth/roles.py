"""Role guards. Every protected view declares who may call it; the actor is then in `current_actor()`."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import NoAuthorizationError, RevokedTokenError

from errors import BearerUnauthorized, Forbidden, Unauthorized

CITIZEN, OFFICER, CLINIC, EMPLOYER = "citizen", "officer", "clinic", "employer"
BIRTH_REGISTRY = "birth_registry"  # the birth-registration system pushing newborns (docs/family.md)
ACCOUNT_ROLES = frozenset({CITIZEN, OFFICER})


@dataclass(frozen=True)
class Actor:
    role: str
    subject: str  # account id (as text) or client id
    session_id: str | None = None
    facility_code: str | None = None
    unit_code: str | None = None
    province_code: str | None = None

    @property
    def account_id(self) -> int:
        if self.role not in ACCOUNT_ROLES:
            raise Forbidden("This call needs a citizen or officer token.")
        return int(self.subject)

    @property
    def audit_ref(self) -> tuple[str, str]:
        """(actor_type, actor_id) for the audit log."""
        return ("account" if self.role in ACCOUNT_ROLES else "client", self.subject)


def _actor_from_claims(claims: dict) -> Actor:
    if claims.get("typ") != "access" or claims.get("role") not in ACCOUNT_ROLES | {CLINIC, EMPLOYER, BIRTH_REGISTRY}:
        raise Unauthorized("The access token is not valid.")
    return Actor(
        role=claims["role"],
        subject=str(claims["sub"]),
        session_id=claims.get("sid"),
        facility_code=claims.get("fac"),
        unit_code=claims.get("unit"),
        province_code=claims.get("prov"),
    )


# Verified claims by token, per app. Verifying a JWT costs ~0.4 ms in PyJWT (a per-character
# alphabet scan of every segment); a clinic sends the same token for thousands of checks. Expiry and,
# for account tokens, revocation are still checked on every request; only the signature work is
# remembered. Keyed per app, so a token one app verified means nothing to an app with another key.
_VERIFIED_MAX = 20_000


def _verified_claims() -> dict:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NoAuthorizationError("Missing Bearer token")
    cache = current_app.extensions.setdefault("verified_tokens", {})
    claims = cache.get(token)
    if claims is None:
        claims = decode_token(token)  # signature, alg allow-list, iss, aud, exp, nbf
        if not isinstance(claims.get("exp"), (int, float)):
            raise BearerUnauthorized("The access token is not valid.")
        if len(cache) >= _VERIFIED_MAX:
            cache.clear()
        cache[token] = claims
    elif claims["exp"] <= time.time():  # same clock as PyJWT's own exp check
        cache.pop(token, None)
        raise BearerUnauthorized("The access token has expired.", code="token_expired")
    if claims.get("sid") is not None:
        from auth.tokens import is_revoked

        if is_revoked(claims):
            raise RevokedTokenError({}, claims)
    return claims


def roles_required(*roles: str) -> Callable:
    """401 without a valid token, 403 with a valid token of another role."""

    def decorate(fn):
        client_checked_by_view = getattr(fn, "_checks_client_active", False)

        @wraps(fn)
        def wrapper(*args, **kwargs):
            actor = _actor_from_claims(_verified_claims())
            if actor.role not in roles:
                raise Forbidden("This token's role may not make this call.")
            if actor.role not in ACCOUNT_ROLES and not client_checked_by_view:
                from auth.client_state import require_active

                require_active(actor.subject)  # a deactivated client's tokens end at once
            g.actor = actor
            return fn(*args, **kwargs)

        wrapper._roles = frozenset(roles)
        return wrapper

    return decorate


def current_actor() -> Actor:
    return g.actor
