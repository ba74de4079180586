"""auth/otp.py: codes, keyed hashes, TOTP steps."""
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from auth import otp


def test_codes_are_six_random_digits():
    codes = {otp.new_code() for _ in range(2000)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 1900  # no obvious repetition
    assert any(c.startswith("0") for c in codes)  # leading zeros kept


def test_code_hash_is_keyed_and_bound_to_challenge_and_purpose(app):
    with app.app_context():
        h = otp.code_hash("c1", "login", "123456")
        assert len(h) == 64 and "123456" not in h
        assert otp.code_matches(h, "c1", "login", "123456")
        assert not otp.code_matches(h, "c2", "login", "123456")
        assert not otp.code_matches(h, "c1", "reset", "123456")
        assert not otp.code_matches(h, "c1", "login", "123457")
        assert not otp.code_matches(None, "c1", "login", "123456")
        app.config["SECRET_KEY"] = "another-" + "k" * 40
        assert otp.code_hash("c1", "login", "123456") != h


def test_keyed_hash_labels_separate_uses(app):
    with app.app_context():
        assert otp.keyed_hash("refresh", "x") != otp.keyed_hash("client-secret", "x")


@pytest.fixture
def totp():
    return pyotp.TOTP(otp.new_totp_secret())


def test_totp_step_accepts_one_step_either_side(totp):
    now = datetime(2025, 6, 1, 8, 0, 10, tzinfo=UTC)
    step = totp.timecode(now)
    assert otp.totp_step(totp.secret, totp.at(now), now) == step
    assert otp.totp_step(totp.secret, totp.at(now - timedelta(seconds=30)), now) == step - 1
    assert otp.totp_step(totp.secret, totp.at(now + timedelta(seconds=30)), now) == step + 1
    far = totp.at(now - timedelta(seconds=90))
    if far not in {totp.at(now + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}:
        assert otp.totp_step(totp.secret, far, now) is None
    assert otp.totp_step(totp.secret, "12345", now) is None
    assert otp.totp_step(totp.secret, "abcdef", now) is None


def test_provisioning_uri(totp):
    uri = otp.provisioning_uri(totp.secret, "+84912345678")
    assert uri.startswith("otpauth://totp/VssID:") and f"secret={totp.secret}" in uri
