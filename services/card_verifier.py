"""Offline verifier for the card QR (a compact JWS, ES256): what a clinic runs with only the JWKS file.

STANDALONE: imports only the standard library and `cryptography`, nothing of the app, so a clinic
can copy this one file next to `jwks.json` (fetched from `/.well-known/jwks.json`) and check a
scanned QR with no network:

    from card_verifier import Verifier
    verifier = Verifier.from_file("jwks.json")      # parse the keys once, reuse for every scan
    verdict = verifier.verify(scanned_text)
    if verdict.status == "valid":
        print(verdict.claims["n"], verdict.claims["cn"], verdict.claims["vt"])

or from a shell: `python card_verifier.py PAYLOAD --jwks jwks.json` (exit code 0 only when valid).

Verdicts (`Verdict.status`):
  valid          signature good under a published key, `exp` not reached
  expired        signature good, but `exp` has passed (claims are returned for display only)
  bad_signature  the key is known but the signature does not match the header + claims
  unknown_key    no key with that `kid` in the JWKS (a key from elsewhere, or a stale JWKS file)
  malformed      not a compact JWS, not ES256 (allow-list: ES256 only; `none`, HS256, ... refused),
                 undecodable parts, or required claims missing

Offline verification proves the card was issued and the QR is fresh; it cannot know about a
revocation after the QR was signed: poll `GET /api/v1/cards/revoked?since=` and reject the `cid`s
it lists (docs/cards.md).
"""
from __future__ import annotations

import base64
import binascii
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ALLOWED_ALGS = frozenset({"ES256"})
REQUIRED_CLAIMS = ("cid", "cn", "n", "dob", "g", "f", "vf", "vt", "iat", "exp")
VALID, EXPIRED, BAD_SIGNATURE, UNKNOWN_KEY, MALFORMED = "valid", "expired", "bad_signature", "unknown_key", "malformed"
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    kid: str | None = None
    claims: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.status == VALID


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _public_key(jwk: dict) -> ec.EllipticCurvePublicKey | None:
    """An EC P-256 public key from a JWK; None for keys this verifier will not use."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or jwk.get("alg", "ES256") not in ALLOWED_ALGS:
        return None
    if jwk.get("use", "sig") != "sig" or "d" in jwk:  # a private JWK in a trust list is a mistake
        return None
    try:
        x = int.from_bytes(b64url_decode(jwk["x"]), "big")
        y = int.from_bytes(b64url_decode(jwk["y"]), "big")
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError, TypeError, binascii.Error):
        return None


class Verifier:
    """Keys parsed once; `verify` is then one JSON parse and one ECDSA verification per QR."""

    def __init__(self, jwks: dict):
        self.keys: dict[str, list[ec.EllipticCurvePublicKey]] = {}
        for jwk in (jwks or {}).get("keys", []):
            key = _public_key(jwk) if isinstance(jwk, dict) else None
            kid = jwk.get("kid") if isinstance(jwk, dict) else None
            if key is not None and isinstance(kid, str):
                # Colliding kids are all tried (as EU DCC verifiers must).
                self.keys.setdefault(kid, []).append(key)

    @classmethod
    def from_file(cls, path: str | Path) -> Verifier:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def verify(self, payload: str, now: float | None = None) -> Verdict:
        """Verdict for one scanned QR text; `now` is a Unix time (default: the system clock)."""
        if not isinstance(payload, str):
            return Verdict(MALFORMED, "not a string")
        parts = payload.strip().split(".")
        if len(parts) != 3 or not all(parts):
            return Verdict(MALFORMED, "not a compact JWS (header.payload.signature)")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except (ValueError, binascii.Error):
            return Verdict(MALFORMED, "a part is not base64url JSON")
        if not isinstance(header, dict) or not isinstance(claims, dict):
            return Verdict(MALFORMED, "header and claims must be JSON objects")
        kid = header.get("kid")
        if header.get("alg") not in ALLOWED_ALGS:
            return Verdict(MALFORMED, f"algorithm {header.get('alg')!r} is not allowed (ES256 only)", kid if isinstance(kid, str) else None)
        if not isinstance(kid, str) or header.get("crit") is not None:
            return Verdict(MALFORMED, "header has no kid, or has critical extensions")
        if len(signature) != 64:
            return Verdict(MALFORMED, "an ES256 signature is 64 bytes", kid)
        keys = self.keys.get(kid)
        if not keys:
            return Verdict(UNKNOWN_KEY, f"no published key {kid}", kid)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        signed = f"{parts[0]}.{parts[1]}".encode("ascii")
        for key in keys:
            try:
                key.verify(der, signed, _ECDSA_SHA256)
                break
            except InvalidSignature:
                continue
        else:
            return Verdict(BAD_SIGNATURE, "signature does not match", kid)
        missing = [name for name in REQUIRED_CLAIMS if name not in claims]
        if missing or not isinstance(claims.get("exp"), (int, float)) or isinstance(claims.get("exp"), bool):
            return Verdict(MALFORMED, f"claims missing or ill-typed: {', '.join(missing) or 'exp'}", kid)
        current = time.time() if now is None else now
        if current >= claims["exp"]:
            return Verdict(EXPIRED, "the QR has expired; ask the holder to reopen the card", kid, claims)
        return Verdict(VALID, "signature and expiry good", kid, claims)


def verify(payload: str, jwks: dict | str | Path, now: float | None = None) -> Verdict:
    """One-shot convenience: `jwks` is the JWKS dict or the path of its file."""
    verifier = Verifier(jwks) if isinstance(jwks, dict) else Verifier.from_file(jwks)
    return verifier.verify(payload, now)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Verify a card QR offline against a JWKS file.")
    parser.add_argument("payload")
    parser.add_argument("--jwks", required=True, help="the saved /.well-known/jwks.json")
    args = parser.parse_args(argv)
    verdict = verify(args.payload, args.jwks)
    print(json.dumps({"verdict": verdict.status, "reason": verdict.reason, "kid": verdict.kid,
                      "claims": verdict.claims}, ensure_ascii=False, indent=2))
    return 0 if verdict.ok else 1


if __name__ == "__main__":  # pragma: no cover - exercised through the flask CLI tests
    sys.exit(main())
