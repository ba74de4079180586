"""The house rules about config, policy and adapters (docs/architecture.md); tests/test_layout.py
has the ones about sizes and imports."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import config
import errors
import policy
from auth.throttle import ThrottleUnavailable
from integrations.registry import RegistryUnavailable
from integrations.sms import SmsUnavailable
from services import challenges, linking

ROOT = Path(__file__).resolve().parent.parent
def test_every_config_key_read_is_declared_in_config_load():
    declared = set(config.load({"SECRET_KEY": "k" * 40}))
    read = set()
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv", "tests/", "migrations/", "bench/")) or rel in ("config.py", "gunicorn.conf.py"):
            continue
        text = path.read_text()
        read |= set(re.findall(r"(?:config|cfg)(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", text))
        read |= {f"RATELIMIT_{n}" for n in re.findall(r"address_limit\(\"([A-Z]+)\"\)", text)}
    read -= {"TESTING"}
    assert read - declared == set()
    assert {f"RATELIMIT_{n}" for n in policy.ADDRESS_LIMITS} <= declared


def test_no_inline_config_defaults_outside_config():
    out = subprocess.run(["grep", "-rnE", r"config\.get\(\"[A-Z_]+\", |cfg\.get\(\"[A-Z_]+\", ",
                          "services", "auth", "api", "integrations", "cli", "privacy.py", "app.py"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    assert out.strip() == ""


def test_policy_texts_follow_the_numbers():
    minutes = int(policy.OTP_TTL.total_seconds() // 60)
    assert f"trong {minutes} phút" in challenges.TEXTS["login"]
    assert str(policy.RESEND_COOLDOWN_S) in policy.RESEND_COOLDOWN_DETAIL
    assert str(policy.LINK_ATTEMPTS_PER_HOUR) in policy.LINK_LIMIT_DETAIL
    assert str(policy.SESSION_LIFETIME.days) in policy.SESSION_EXPIRED_DETAIL


@pytest.mark.parametrize("cls, code, status", [
    (RegistryUnavailable, "registry_unavailable", 503),
    (SmsUnavailable, "sms_unavailable", 503),
    (ThrottleUnavailable, "otp_unavailable", 503),
])
def test_each_adapter_failure_has_one_answer(cls, code, status):
    err = cls("internal reason, for the log only", retry_after=7)
    assert isinstance(err, errors.Unavailable)
    assert (err.status, err.code, err.headers["Retry-After"]) == (status, code, "7")
    assert "internal reason" not in (err.detail or "") and err.detail == cls.detail


def test_typed_refusals_carry_status_and_code():
    assert (linking.RegistryMismatch.status, linking.RegistryMismatch.code) == (422, "registry_mismatch")
    assert (errors.AlreadyLinked.status, errors.AlreadyLinked.code) == (409, "already_linked")
    limited = errors.RateLimited(retry_after=0.2)
    assert limited.headers["Retry-After"] == "1" and limited.extra["retry_after"] == 1


def test_every_guarded_operation_documents_bearer_and_refusals(client):
    spec = client.get("/openapi.json").get_json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post"):
                continue
            assert "security" in op, (method, path)
            if op["security"]:
                assert "401" in op["responses"], (method, path)


def test_guard_answers_401_problem_with_bearer_challenge(client):
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"
    assert resp.get_json()["code"] == "unauthorized"
