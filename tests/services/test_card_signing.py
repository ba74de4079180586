"""Key folder, kid, caching and rotation (no app, no database)."""
import base64
import hashlib
import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import serialization

import clock
from services import card_signing
from services.card_verifier import b64url_decode, verify

CLAIMS = {"cid": "c", "cn": "DN4010123456789", "n": "A", "dob": "1995-03-05", "g": "male", "f": "01001",
          "vf": "2026-01-01", "vt": "2026-12-31", "iat": 0, "exp": 2_000_000_000}


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_on_first_use_owner_only(tmp_path):
    folder = tmp_path / "deep" / "keys"
    jwks = card_signing.jwks(folder)
    assert mode(folder) == 0o700
    files = sorted(p.name for p in folder.iterdir())
    assert f"{jwks['keys'][0]['kid']}.pem" in files and "keys.json" in files
    for name in files:
        assert mode(folder / name) == 0o600, name


def test_existing_loose_folder_is_tightened(tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    card_signing.ensure_keys(folder)
    assert mode(folder) == 0o700


def test_kid_is_the_first_8_bytes_of_the_der_spki_hash(tmp_path):
    folder = tmp_path / "keys"
    [jwk] = card_signing.jwks(folder)["keys"]
    pem = (folder / f"{jwk['kid']}.pem").read_bytes()
    der = serialization.load_pem_private_key(pem, None).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert jwk["kid"] == base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:8]).rstrip(b"=").decode()
    assert len(jwk["kid"]) == 11
    assert set(jwk) == {"kty", "crv", "alg", "use", "kid", "x", "y"}


def test_private_key_never_in_jwks(tmp_path):
    jwks = card_signing.jwks(tmp_path / "keys")
    assert "PRIVATE" not in json.dumps(jwks) and all("d" not in k for k in jwks["keys"])


def test_keys_loaded_once_until_the_manifest_changes(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    first = card_signing.load(folder)
    reads = []
    original = serialization.load_pem_private_key
    monkeypatch.setattr(serialization, "load_pem_private_key", lambda *a, **k: reads.append(1) or original(*a, **k))
    for _ in range(50):
        card_signing.sign(folder, CLAIMS)
    assert card_signing.load(folder) is first and reads == []
    card_signing.rotate(folder)
    assert card_signing.load(folder) is not first and reads


def test_rotate_switches_the_signer_and_keeps_the_old_key_published(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    t0 = datetime(2026, 6, 15, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: t0)
    old_payload = card_signing.sign(folder, CLAIMS)
    old_kid = json.loads(b64url_decode(old_payload.split(".")[0]))["kid"]
    new_kid, published = card_signing.rotate(folder, timedelta(0))
    assert new_kid != old_kid and set(published) == {old_kid, new_kid}
    assert json.loads(b64url_decode(card_signing.sign(folder, CLAIMS).split(".")[0]))["kid"] == new_kid
    jwks = card_signing.jwks(folder)
    assert verify(old_payload, jwks, now=0).status == "valid"
    manifest = json.loads((folder / "keys.json").read_text())
    assert card_signing.load(folder).signer.kid == new_kid
    assert [k["retired_at"] for k in manifest["keys"]] == [t0.isoformat(), None]
    monkeypatch.setattr(clock, "now", lambda: t0 + timedelta(days=30))
    assert [k["kid"] for k in card_signing.jwks(folder)["keys"]] == [new_kid]
    assert (folder / f"{old_kid}.pem").exists()  # kept on disk; only the publication ends


def test_rotate_twice(tmp_path):
    folder = tmp_path / "keys"
    card_signing.ensure_keys(folder)
    card_signing.rotate(folder, timedelta(0))
    kid3, published = card_signing.rotate(folder, timedelta(0))
    assert len(published) == 3 and card_signing.load(folder).signer.kid == kid3


def test_concurrent_first_use_makes_one_key(tmp_path):
    folder = tmp_path / "keys"
    threads = [threading.Thread(target=card_signing.ensure_keys, args=(folder,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list(folder.glob("*.pem"))) == 1
