"""The offline verifier with nothing but a JWKS: no app, no database."""
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services import card_signing
from services.card_signing import b64url
from services.card_verifier import Verifier, verify

NOW = 1_780_000_000
CLAIMS = {"cid": "c" * 32, "cn": "DN4010123456789", "n": "Nguyễn Văn An", "dob": "1995-03-05", "g": "male",
          "f": "01001", "vf": "2026-01-01", "vt": "2026-12-31", "iat": NOW, "exp": NOW + 3600}


@pytest.fixture
def keys(tmp_path):
    folder = tmp_path / "keys"
    return folder, card_signing.jwks(folder)


def test_valid(keys):
    folder, jwks = keys
    verdict = verify(card_signing.sign(folder, CLAIMS), jwks, now=NOW)
    assert verdict.status == "valid" and verdict.ok and verdict.claims == CLAIMS
    assert verdict.kid == jwks["keys"][0]["kid"]


def test_from_a_jwks_file(keys, tmp_path):
    folder, jwks = keys
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    assert verify(card_signing.sign(folder, CLAIMS), path, now=NOW).status == "valid"
    assert verify(card_signing.sign(folder, CLAIMS), str(path), now=NOW).status == "valid"


def test_expired_at_exp(keys):
    folder, jwks = keys
    payload = card_signing.sign(folder, CLAIMS)
    assert verify(payload, jwks, now=NOW + 3599).status == "valid"
    verdict = verify(payload, jwks, now=NOW + 3600)
    assert verdict.status == "expired" and not verdict.ok and verdict.claims["cid"] == CLAIMS["cid"]


def test_default_now_is_the_system_clock(keys):
    folder, jwks = keys
    assert verify(card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) + 60}), jwks).status == "valid"
    assert verify(card_signing.sign(folder, CLAIMS), jwks).status == "expired"


def test_tampered_claims(keys):
    folder, jwks = keys
    head, body, sig = card_signing.sign(folder, CLAIMS).split(".")
    forged = b64url(json.dumps({**CLAIMS, "vt": "2099-12-31"}).encode())
    assert verify(f"{head}.{forged}.{sig}", jwks, now=NOW).status == "bad_signature"
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert verify(f"{head}.{body}.{flipped}", jwks, now=NOW).status in ("bad_signature", "malformed")


def test_another_key(keys, tmp_path):
    _folder, jwks = keys
    assert verify(card_signing.sign(tmp_path / "other", CLAIMS), jwks, now=NOW).status == "unknown_key"


def test_another_key_claiming_a_published_kid(keys, tmp_path):
    folder, jwks = keys
    real_kid = jwks["keys"][0]["kid"]
    head, body, sig = card_signing.sign(tmp_path / "other", CLAIMS).split(".")
    fake_head = b64url(json.dumps({"alg": "ES256", "kid": real_kid}).encode())
    assert verify(f"{fake_head}.{body}.{sig}", jwks, now=NOW).status == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", None])
def test_only_es256(keys, alg):
    folder, jwks = keys
    _head, body, sig = card_signing.sign(folder, CLAIMS).split(".")
    header = {"kid": jwks["keys"][0]["kid"]} | ({"alg": alg} if alg else {})
    assert verify(f"{b64url(json.dumps(header).encode())}.{body}.{sig}", jwks, now=NOW).status == "malformed"


@pytest.mark.parametrize("payload", ["", "abc", "a.b", "a.b.c", "...", "a.b.c.d", "eyJ9.eyJ9.AAAA", 42, None])
def test_malformed(keys, payload):
    assert verify(payload, keys[1], now=NOW).status == "malformed"


def test_missing_claims_are_malformed(keys):
    folder, jwks = keys
    claims = {k: v for k, v in CLAIMS.items() if k != "exp"}
    assert verify(card_signing.sign(folder, claims), jwks, now=NOW).status == "malformed"


def test_ignores_keys_it_must_not_use(keys):
    folder, jwks = keys
    key = jwks["keys"][0]
    odd = {"keys": [{**key, "crv": "P-384"}, {**key, "alg": "HS256"}, {**key, "d": "secret"}, {**key, "use": "enc"},
                    {"kty": "oct", "k": "abc", "kid": key["kid"]}, "junk"]}
    assert Verifier(odd).keys == {}
    assert verify(card_signing.sign(folder, CLAIMS), odd, now=NOW).status == "unknown_key"


def test_colliding_kids_are_all_tried(keys, tmp_path):
    folder, jwks = keys
    other = card_signing.jwks(tmp_path / "other")["keys"][0]
    mixed = {"keys": [{**other, "kid": jwks["keys"][0]["kid"]}, jwks["keys"][0]]}
    assert verify(card_signing.sign(folder, CLAIMS), mixed, now=NOW).status == "valid"


def test_standalone_imports_nothing_of_the_app():
    source = Path(card_signing.__file__).with_name("card_verifier.py")
    code = (f"import sys, runpy; sys.path = [p for p in sys.path if p not in ('', {str(Path.cwd())!r})]; "
            f"runpy.run_path({str(source)!r}); "
            "assert not any(m.split('.')[0] in ('services', 'models', 'api', 'app', 'db', 'clock') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def test_module_cli(keys, tmp_path):
    folder, jwks = keys
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    source = Path(card_signing.__file__).with_name("card_verifier.py")
    payload = card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) + 60})
    ok = subprocess.run([sys.executable, str(source), payload, "--jwks", str(path)], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["verdict"] == "valid"
    bad = subprocess.run([sys.executable, str(source), "x.y.z", "--jwks", str(path)], capture_output=True, text=True)
    assert bad.returncode == 1 and json.loads(bad.stdout)["verdict"] == "malformed"
