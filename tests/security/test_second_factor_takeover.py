"""Audit finding (HIGH): a stolen 15-minute access token took over the second factor for good.

POST /me/totp and /confirm needed no password, told nobody, could not be undone, and an SMS
password reset kept the thief's authenticator. Each test fails on that behaviour."""
from __future__ import annotations

import pyotp
import pytest

from policy import STEPUP_ATTEMPTS_PER_HOUR
from tests.auth.flows import API, E164, PASSWORD, PHONE, bearer, login, register, start_login
from tests.conftest import assert_problem

NEW = "Mật-khẩu-mới-2025"


def _enrol(client, token: str, clock) -> pyotp.TOTP:
    resp = client.post(f"{API}/me/totp", headers=bearer(token), json={"password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    totp = pyotp.TOTP(resp.get_json()["secret"])
    resp = client.post(f"{API}/me/totp/confirm", headers=bearer(token),
                       json={"otp": totp.at(clock.current), "password": PASSWORD})
    assert resp.status_code == 204, resp.get_json()
    return totp


@pytest.fixture
def token(client, outbox, frozen_clock) -> str:
    return register(client, outbox)["access_token"]


@pytest.mark.parametrize("body", [{"password": PASSWORD + "x"}, {"password": "wrong-guess"}])
def test_stolen_token_cannot_enrol_an_authenticator_without_the_password(client, token, body):
    assert_problem(client.post(f"{API}/me/totp", headers=bearer(token), json=body), 401, "invalid_credentials")
    assert_problem(client.post(f"{API}/me/totp", headers=bearer(token)), 422, "validation_error")


def test_stolen_token_cannot_confirm_an_authenticator_without_the_password(client, token, frozen_clock):
    secret = client.post(f"{API}/me/totp", headers=bearer(token), json={"password": PASSWORD}).get_json()["secret"]
    code = pyotp.TOTP(secret).at(frozen_clock.current)
    resp = client.post(f"{API}/me/totp/confirm", headers=bearer(token), json={"otp": code, "password": "nope-nope"})
    assert_problem(resp, 401, "invalid_credentials")
    assert start_login(client)["channel"] == "sms"


def test_enrolling_an_authenticator_sends_the_owner_an_sms_notice(client, outbox, token, frozen_clock):
    before = len(outbox.messages())
    _enrol(client, token, frozen_clock)
    notices = outbox.messages()[before:]
    assert [m["to"] for m in notices] == [E164] and "ứng dụng xác thực" in notices[0]["text"]


def test_the_authenticator_can_be_removed_with_the_password_and_the_owner_is_told(client, outbox, token, frozen_clock):
    _enrol(client, token, frozen_clock)
    assert_problem(client.delete(f"{API}/me/totp", headers=bearer(token), json={"password": "not-it-1"}),
                   401, "invalid_credentials")
    before = len(outbox.messages())
    assert client.delete(f"{API}/me/totp", headers=bearer(token), json={"password": PASSWORD}).status_code == 204
    assert [m["to"] for m in outbox.messages()[before:]] == [E164]
    assert "gỡ" in outbox.messages()[-1]["text"]
    assert start_login(client)["channel"] == "sms"
    assert_problem(client.delete(f"{API}/me/totp", headers=bearer(token), json={"password": PASSWORD}),
                   409, "totp_not_enabled")


def test_delete_totp_needs_an_account_token(client):
    assert_problem(client.delete(f"{API}/me/totp", json={"password": PASSWORD}), 401, "unauthorized")


def test_an_sms_password_reset_removes_the_thiefs_authenticator(client, outbox, token, frozen_clock):
    _enrol(client, token, frozen_clock)  # the thief's app
    assert start_login(client)["channel"] == "totp"
    frozen_clock.advance(seconds=61)
    challenge_id = client.post(f"{API}/auth/password/forgot", json={"phone": PHONE}).get_json()["challenge_id"]
    assert "gỡ ứng dụng xác thực" in outbox.messages()[-1]["text"]  # the reset SMS says so
    resp = client.post(f"{API}/auth/password/reset",
                       json={"challenge_id": challenge_id, "otp": outbox.last_code(), "new_password": NEW})
    assert resp.status_code == 204
    assert start_login(client, password=NEW)["channel"] == "sms"
    assert login(client, outbox, password=NEW)["access_token"]  # the owner is back in with the phone alone


def test_password_guesses_through_a_stolen_token_are_limited(client, token):
    for _ in range(STEPUP_ATTEMPTS_PER_HOUR):
        assert_problem(client.post(f"{API}/me/totp", headers=bearer(token), json={"password": "guess-guess"}),
                       401, "invalid_credentials")
    body = assert_problem(client.post(f"{API}/me/totp", headers=bearer(token), json={"password": PASSWORD}),
                          429, "rate_limited")
    assert body["retry_after"] > 0
    assert start_login(client)["channel"] == "sms"  # and the guesses did not lock the owner's login


def test_a_totp_code_reused_within_its_step_is_otp_already_used(client, outbox, token, frozen_clock):
    totp = _enrol(client, token, frozen_clock)
    frozen_clock.advance(seconds=30)
    code = totp.at(frozen_clock.current)
    assert client.post(f"{API}/auth/login/verify", json={"challenge_id": start_login(client)["challenge_id"],
                                                         "otp": code}).status_code == 200
    again = start_login(client)["challenge_id"]
    body = assert_problem(client.post(f"{API}/auth/login/verify", json={"challenge_id": again, "otp": code}),
                          400, "otp_already_used")
    assert "attempts_left" not in body
