"""Audit finding: `flask keys rotate` signed with the new key at once, so an offline verifier holding
yesterday's JWKS met an unknown kid. Now a new key is published ACTIVATE_AFTER before it signs."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import clock
from services import card_signing
from services.card_verifier import Verifier, b64url_decode

CLAIMS = {"cid": "c", "cn": "DN4010123456789", "n": "A", "dob": "1995-03-05", "g": "male", "f": "01001",
          "vf": "2026-01-01", "vt": "2026-12-31", "iat": 0, "exp": 2_000_000_000}
T0 = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def _kid(payload: str) -> str:
    return json.loads(b64url_decode(payload.split(".")[0]))["kid"]


def test_rotate_publishes_before_signing_so_daily_verifiers_never_see_an_unknown_kid(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    now = [T0 - timedelta(days=1)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    card_signing.ensure_keys(folder)
    synced, synced_at = card_signing.jwks(folder), now[0]  # a desk syncs once a day at 08:00
    kids_seen = set()
    for hour in range(24 * 5):
        now[0] = T0 - timedelta(days=1) + timedelta(hours=hour)
        if now[0] - synced_at >= timedelta(days=1):
            synced, synced_at = card_signing.jwks(folder), now[0]
        if now[0] == T0 + timedelta(hours=3):
            card_signing.rotate(folder)  # the operator rotates mid-morning, default delay
        payload = card_signing.sign(folder, CLAIMS)
        kids_seen.add(_kid(payload))
        assert Verifier(synced).verify(payload, now=0).status == "valid", now[0]
    assert len(kids_seen) == 2  # the new key did take over within the five days


def test_new_key_is_in_the_jwks_at_once_and_signs_only_after_the_delay(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setattr(clock, "now", lambda: T0)
    old = _kid(card_signing.sign(folder, CLAIMS))
    new, published = card_signing.rotate(folder, timedelta(hours=6))
    assert set(published) == {old, new}
    assert _kid(card_signing.sign(folder, CLAIMS)) == old
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(hours=6))
    assert _kid(card_signing.sign(folder, CLAIMS)) == new
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(hours=6) + card_signing.MAX_QR_LIFETIME)
    assert [k["kid"] for k in card_signing.jwks(folder)["keys"]] == [new]


def test_an_emergency_rotation_overrides_a_pending_one(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setattr(clock, "now", lambda: T0)
    card_signing.ensure_keys(folder)
    pending, _ = card_signing.rotate(folder, timedelta(days=2))
    urgent, _ = card_signing.rotate(folder, timedelta(0))
    assert _kid(card_signing.sign(folder, CLAIMS)) == urgent
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(days=3))
    assert _kid(card_signing.sign(folder, CLAIMS)) == urgent != pending


def test_a_manifest_of_the_previous_version_still_loads(tmp_path, monkeypatch):
    folder = tmp_path / "keys"
    monkeypatch.setattr(clock, "now", lambda: T0)
    first, _ = card_signing.rotate(folder, timedelta(0))
    manifest = json.loads((folder / "keys.json").read_text())
    for entry in manifest["keys"]:
        entry.pop("activates_at")
    manifest["signer"] = first
    (folder / "keys.json").write_text(json.dumps(manifest))
    assert card_signing.load(folder).signer.kid == first
