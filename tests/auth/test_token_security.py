"""Access-token checks (issue 7 item 5; CONTRACT §1): algorithm allow-list, signature, iss/aud,
exp/nbf, token type, role, revocation, and the per-token claims cache of auth/roles.py.

Hostile tokens are built with PyJWT directly from the claims of a real one, changing one thing each.
"""
from __future__ import annotations

import base64
import json
import time
import types

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from auth import roles
from tests import factories
from tests.conftest import assert_problem

API = "/api/v1"
SECRET = "test-secret-key-" + "x" * 32  # tests/conftest.py app_config
ME, CHECKS = f"{API}/me", f"{API}/clinic/card-checks"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def citizen(app, session):
    """A citizen's real token and its claims."""
    _acc, headers = factories.citizen(app, session)
    token = headers["Authorization"].split()[1]
    return token, pyjwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def clinic_token(app, session):
    return factories.clinic(app, session)[1]["Authorization"].split()[1]


def forge(claims: dict, key=SECRET, alg: str = "HS256", **changes) -> str:
    body = {**claims, **changes}
    return pyjwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg)


def test_the_real_token_works(client, citizen):
    token, claims = citizen
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert (claims["typ"], claims["role"], claims["iss"], claims["aud"]) == ("access", "citizen", "vssid-backend",
                                                                             "vssid-api")
    assert forge(claims) and client.get(ME, headers=bearer(forge(claims))).status_code == 200  # the forge is faithful


def test_alg_none_is_refused(client, citizen):
    _, claims = citizen
    for header in ({"alg": "none", "typ": "JWT"}, {"alg": "None"}, {"alg": "NONE", "typ": "JWT"}):
        unsigned = f"{_b64(header)}.{_b64(claims)}."
        assert_problem(client.get(ME, headers=bearer(unsigned)), 401, "unauthorized")
        # Even with the real token's signature pasted on.
        real_sig = citizen[0].rsplit(".", 1)[1]
        assert_problem(client.get(ME, headers=bearer(unsigned + real_sig)), 401, "unauthorized")


def test_hs256_signed_with_another_key_is_refused(client, citizen):
    _, claims = citizen
    for key in ("another-secret-key-" + "y" * 32, SECRET + " ", SECRET[:-1]):
        assert_problem(client.get(ME, headers=bearer(forge(claims, key=key))), 401, "unauthorized")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_other_hmac_algorithms_with_the_right_key_are_refused(client, citizen):
    """The allow-list is HS256 exactly: HS384/HS512 under the real secret are not let in either."""
    _, claims = citizen
    for alg in ("HS384", "HS512"):
        assert_problem(client.get(ME, headers=bearer(forge(claims, alg=alg))), 401, "unauthorized")


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256"])
def test_asymmetric_tokens_are_refused(client, citizen, alg):
    _, claims = citizen
    key = ec.generate_private_key(ec.SECP256R1()) if alg == "ES256" else rsa.generate_private_key(65537, 2048)
    token = forge(claims, key=key, alg=alg)
    assert_problem(client.get(ME, headers=bearer(token)), 401, "unauthorized")


def test_hs256_keyed_with_the_published_card_key_is_refused(client, citizen):
    """Algorithm confusion: the public card-signing key (JWKS) used as an HMAC secret."""
    _, claims = citizen
    jwks = client.get("/.well-known/jwks.json").get_json()
    jwk = jwks["keys"][0]
    public = pyjwt.algorithms.ECAlgorithm.from_jwk(json.dumps(jwk))
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (pem, json.dumps(jwk).encode(), jwk["x"].encode()):
        token = _raw_hs256({"alg": "HS256", "typ": "JWT", "kid": jwk.get("kid")}, claims, secret)
        assert_problem(client.get(ME, headers=bearer(token)), 401, "unauthorized")


def _raw_hs256(header: dict, claims: dict, key: bytes) -> str:
    import hashlib
    import hmac

    signing_input = f"{_b64(header)}.{_b64(claims)}"
    sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


def test_header_tricks_are_refused(client, citizen):
    """A `kid`/`jku`/`jwk` header cannot pick the key: only SECRET_KEY verifies."""
    _, claims = citizen
    attacker = b"attacker-key-" + b"z" * 32
    for extra in ({"kid": "../../dev/null"}, {"jku": "http://127.0.0.1:9/jwks.json"},
                  {"jwk": {"kty": "oct", "k": _b64(attacker)}}):
        token = _raw_hs256({"alg": "HS256", "typ": "JWT", **extra}, claims, attacker)
        assert_problem(client.get(ME, headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("changes", [
    {"iss": "someone-else"}, {"aud": "another-api"}, {"aud": ["another-api"]}, {"iss": None}, {"aud": None},
], ids=["wrong-iss", "wrong-aud", "aud-list", "no-iss", "no-aud"])
def test_wrong_or_missing_issuer_or_audience_is_refused(client, citizen, changes):
    _, claims = citizen
    assert_problem(client.get(ME, headers=bearer(forge(claims, **changes))), 401, "unauthorized")


def test_expired_token_is_token_expired(client, citizen):
    _, claims = citizen
    now = int(time.time())
    token = forge(claims, iat=now - 1000, nbf=now - 1000, exp=now - 1)
    assert_problem(client.get(ME, headers=bearer(token)), 401, "token_expired")


def test_token_without_exp_is_refused(client, citizen):
    """Even signed with the real key: a token that never expires is not an access token of ours."""
    _, claims = citizen
    token = forge(claims, exp=None)
    first = client.get(ME, headers=bearer(token))
    second = client.get(ME, headers=bearer(token))  # the cached path too
    assert_problem(first, 401, "unauthorized")
    assert_problem(second, 401, "unauthorized")


def test_future_nbf_is_refused(client, citizen):
    _, claims = citizen
    now = int(time.time())
    token = forge(claims, nbf=now + 600, iat=now, exp=now + 900)
    assert_problem(client.get(ME, headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("changes", [
    {"typ": "refresh"}, {"typ": None}, {"typ": "Access"}, {"typ": ["access"]},
    {"type": "refresh", "typ": "refresh"}, {"role": "admin"}, {"role": None}, {"role": "CITIZEN"},
], ids=["typ-refresh", "no-typ", "typ-case", "typ-list", "refresh-looking", "role-admin", "no-role", "role-case"])
def test_type_and_role_are_checked(client, citizen, changes):
    _, claims = citizen
    assert_problem(client.get(ME, headers=bearer(forge(claims, **changes))), 401, "unauthorized")


def test_token_without_subject_is_refused(client, citizen):
    _, claims = citizen
    assert_problem(client.get(ME, headers=bearer(forge(claims, sub=None))), 401, "unauthorized")


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "bearer not-a-jwt", "Bearer a.b.c", "Bearer ....",
])
def test_malformed_authorization_headers_are_401(client, header):
    assert_problem(client.get(ME, headers={"Authorization": header}), 401, "unauthorized")


def test_token_in_the_query_string_is_not_read(client, citizen):
    token, _ = citizen
    assert_problem(client.get(f"{ME}?access_token={token}&jwt={token}"), 401, "unauthorized")


def test_refresh_token_is_not_an_access_token_and_the_reverse(client, outbox):
    from tests.auth.flows import register

    tokens = register(client, outbox)
    assert_problem(client.get(ME, headers=bearer(tokens["refresh_token"])), 401, "unauthorized")
    assert_problem(client.post(f"{API}/auth/refresh", headers=bearer(tokens["access_token"])), 401, "unauthorized")


def test_clinic_token_is_no_citizen_token_and_the_reverse(client, citizen, clinic_token):
    token, claims = citizen
    for path in (ME, f"{API}/me/card", f"{API}/me/link", f"{API}/me/card-checks"):
        assert_problem(client.get(path, headers=bearer(clinic_token)), 403, "forbidden")
    assert_problem(client.post(CHECKS, json={}, headers=bearer(token)), 403, "forbidden")
    assert_problem(client.get(f"{API}/cards/revoked?since=2026-01-01T00:00:00Z", headers=bearer(token)),
                   403, "forbidden")
    # Adding a facility claim to a citizen token does not make it a clinic token.
    forged = forge(claims, key="another-secret-key-" + "y" * 32, role="clinic", fac="01001")
    assert_problem(client.post(CHECKS, json={}, headers=bearer(forged)), 401, "unauthorized")


def test_clinic_claims_on_an_account_session_do_not_pass_as_citizen(client, clinic_token):
    """A clinic token carries no `sid`: /me needs an account."""
    assert_problem(client.post(f"{API}/auth/logout", headers=bearer(clinic_token)), 403, "forbidden")


def test_logout_revokes_the_token_and_its_cached_claims(client, outbox):
    from tests.auth.flows import register

    tokens = register(client, outbox)
    access = tokens["access_token"]
    assert client.get(ME, headers=bearer(access)).status_code == 200
    assert access in client.application.extensions.get("verified_tokens", {})  # the signature work is remembered ...
    assert client.post(f"{API}/auth/logout", headers=bearer(access)).status_code == 204
    # ... but the revocation is checked on every request.
    assert_problem(client.get(ME, headers=bearer(access)), 401, "token_revoked")
    assert_problem(client.get(ME, headers=bearer(access)), 401, "token_revoked")
    assert_problem(client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"])), 401, "token_revoked")


def test_password_reset_revokes_cached_tokens(client, outbox):
    from tests.auth.flows import PHONE, register

    tokens = register(client, outbox)
    access = tokens["access_token"]
    assert client.get(ME, headers=bearer(access)).status_code == 200
    ch = client.post(f"{API}/auth/password/forgot", json={"phone": PHONE}).get_json()["challenge_id"]
    resp = client.post(f"{API}/auth/password/reset", json={"challenge_id": ch, "otp": outbox.last_code(),
                                                           "new_password": "Một-mật-khẩu-mới-99"})
    assert resp.status_code == 204
    assert_problem(client.get(ME, headers=bearer(access)), 401, "token_revoked")


def test_uncached_token_is_refused_once_its_exp_passes(client, citizen, monkeypatch):
    """The full check (PyJWT's own clock) of a token this process has not seen yet."""
    token, claims = citizen
    client.application.extensions.get("verified_tokens", {}).pop(token, None)
    monkeypatch.setattr(pyjwt.api_jwt, "datetime", _FrozenDatetime(claims["exp"] + 1))
    assert_problem(client.get(ME, headers=bearer(token)), 401, "token_expired")
    assert token not in client.application.extensions.get("verified_tokens", {})


def test_cached_token_is_refused_once_its_exp_passes(client, citizen, monkeypatch):
    token, claims = citizen
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert token in client.application.extensions.get("verified_tokens", {})
    later = claims["exp"] + 1
    monkeypatch.setattr(roles, "time", types.SimpleNamespace(time=lambda: later))
    assert_problem(client.get(ME, headers=bearer(token)), 401, "token_expired")
    assert token not in client.application.extensions.get("verified_tokens", {})


def test_cached_client_token_is_refused_once_its_exp_passes(client, clinic_token, monkeypatch):
    claims = pyjwt.decode(clinic_token, options={"verify_signature": False})
    assert client.post(CHECKS, json={}, headers=bearer(clinic_token)).status_code == 200
    monkeypatch.setattr(roles, "time", types.SimpleNamespace(time=lambda: claims["exp"]))
    assert_problem(client.post(CHECKS, json={}, headers=bearer(clinic_token)), 401, "token_expired")


def test_a_failed_verification_is_not_cached(client, citizen):
    _, claims = citizen
    bad = forge(claims, key="another-secret-key-" + "y" * 32)
    for _ in range(2):
        assert_problem(client.get(ME, headers=bearer(bad)), 401, "unauthorized")
    assert bad not in client.application.extensions.get("verified_tokens", {})


def test_claims_cache_does_not_cross_apps_with_different_keys(app, client, citizen, app_config):
    from app import create_app

    token, _ = citizen
    assert client.get(ME, headers=bearer(token)).status_code == 200  # cached by this app
    other = create_app({**app_config, "SECRET_KEY": "a-completely-different-key-" + "q" * 32})
    try:
        assert_problem(other.test_client().get(ME, headers=bearer(token)), 401, "unauthorized")
    finally:
        other.extensions["db"].dispose()


class _FrozenDatetime:
    """Stands in for `datetime` inside PyJWT so that its `now()` is a chosen instant."""

    def __init__(self, ts: float) -> None:
        from datetime import datetime, timezone

        self._dt, self._tz, self._ts = datetime, timezone, ts

    def now(self, tz=None):
        return self._dt.fromtimestamp(self._ts, tz or self._tz.utc)

    def __getattr__(self, name):
        return getattr(self._dt, name)
