"""Gateway credentials: the token a hospital system takes at /api/token/take, and the clinic
client's address allow-list.

The access token is a JWT signed like every other token of the service (URL-safe: base64url and
dots, so clients that paste it unencoded into a query string still send it intact); the id_token
is a random UUID carried inside it as `gid`, so checking the pair needs no database. Lifetime:
`GATEWAY_TOKEN_TTL` (24 h, see docs/gateway.md).
"""
from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask_jwt_extended import create_access_token, decode_token

GATEWAY_TOKEN_TTL = timedelta(hours=24)
_VERIFIED_MAX = 20_000
ALLOW_LIST_TTL_S = 10.0  # how long a worker trusts its copy of a client's allow-list


def issue(client_id: str, facility_code: str | None, username: str) -> dict:
    """The `APIKey` object of the login answer; `expires_in` is the expiry instant, ISO-8601 UTC
    with `Z`, as the real gateway sends it (what qlbv, Inventec and VNPT parse)."""
    id_token = str(uuid.uuid4())
    access = create_access_token(identity=client_id, expires_delta=GATEWAY_TOKEN_TTL, additional_claims={
        "typ": "access", "role": "clinic", "fac": facility_code, "gwu": username, "gid": id_token})
    # The instant the token itself carries (PyJWT's clock), so the two can never disagree.
    expires = datetime.fromtimestamp(decode_token(access, allow_expired=True)["exp"], UTC)
    return {"access_token": access, "id_token": id_token, "token_type": "Bearer", "username": username,
            "expires_in": expires.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")}


def verified_claims(cache: dict, token: str) -> dict | None:
    """The token's claims when its signature, issuer, audience and expiry hold, else None. The
    signature work is remembered per token (a clinic sends the same token thousands of times)."""
    claims = cache.get(token)
    if claims is None:
        try:
            claims = decode_token(token)
        except Exception:  # noqa: BLE001 (any decoding failure is the same "401" to the client)
            return None
        if not isinstance(claims.get("exp"), (int, float)):
            return None
        if len(cache) >= _VERIFIED_MAX:
            cache.clear()
        cache[token] = claims
    elif claims["exp"] <= time.time():
        cache.pop(token, None)
        return None
    return claims


class AllowLists:
    """Each client's networks, re-read from the database at most every ALLOW_LIST_TTL_S seconds
    per worker: a new entry takes effect within that time, and a check pays no extra round trip."""

    def __init__(self, load: Callable[[str], list[str]]) -> None:
        self._load = load
        self._cache: dict[str, tuple[float, list]] = {}

    def allows(self, client_id: str, address: str | None) -> bool:
        now = time.monotonic()
        found = self._cache.get(client_id)
        if found is None or found[0] <= now:
            networks = [ipaddress.ip_network(c) for c in self._load(client_id)]
            found = self._cache[client_id] = (now + ALLOW_LIST_TTL_S, networks)
        if not found[1]:
            return True  # no list: any address (the contract's lists are opt-in per client)
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in found[1])

    def forget(self) -> None:
        self._cache.clear()
