"""POST /me/totp and /me/totp/confirm, then login with the authenticator app (CONTRACT §2)."""
from datetime import timedelta

import pyotp
import pytest

from models import Account
from tests.auth.flows import API, PASSWORD, PHONE, bearer, register, start_login
from tests.conftest import assert_problem


@pytest.fixture
def enrolled(client, outbox, frozen_clock):
    """A registered citizen with a confirmed authenticator app: (tokens, pyotp.TOTP)."""
    tokens = register(client, outbox)
    secret = begin(client, tokens).get_json()["secret"]
    totp = pyotp.TOTP(secret)
    resp = client.post(f"{API}/me/totp/confirm", headers=bearer(tokens["access_token"]),
                       json={"otp": totp.at(frozen_clock.current), "password": PASSWORD})
    assert resp.status_code == 204
    frozen_clock.advance(seconds=30)  # the confirming code's step is spent
    return tokens, totp


def begin(client, tokens):
    return client.post(f"{API}/me/totp", headers=bearer(tokens["access_token"]), json={"password": PASSWORD})


def confirm(client, tokens, otp):
    return client.post(f"{API}/me/totp/confirm", headers=bearer(tokens["access_token"]),
                       json={"otp": otp, "password": PASSWORD})


def verify(client, challenge_id, otp):
    return client.post(f"{API}/auth/login/verify", json={"challenge_id": challenge_id, "otp": otp})


def test_enrollment_gives_a_secret_that_is_not_active_yet(client, outbox, session):
    tokens = register(client, outbox)
    resp = begin(client, tokens)
    assert resp.status_code == 200
    body = resp.get_json()
    assert len(body["secret"]) == 32
    assert body["otpauth_uri"].startswith("otpauth://totp/VssID:%2B84912345678?secret=" + body["secret"])
    assert "issuer=VssID" in body["otpauth_uri"]
    assert start_login(client)["channel"] == "sms"


def test_confirmed_app_makes_login_use_totp(client, outbox, enrolled, frozen_clock):
    _, totp = enrolled
    sms_before = len(outbox.messages())
    challenge = start_login(client)
    assert challenge["channel"] == "totp" and challenge["expires_in"] == 300
    assert len(outbox.messages()) == sms_before  # no SMS for an app login
    resp = verify(client, challenge["challenge_id"], totp.at(frozen_clock.current))
    assert resp.status_code == 200 and resp.get_json()["refresh_token"]


def test_totp_accepts_one_step_of_drift(client, enrolled, frozen_clock):
    _, totp = enrolled
    frozen_clock.advance(seconds=30)  # the step before now was never used
    challenge_id = start_login(client)["challenge_id"]
    previous_step = totp.at(frozen_clock.current - timedelta(seconds=30))
    assert verify(client, challenge_id, previous_step).status_code == 200


def test_totp_code_too_old_is_wrong(client, enrolled, frozen_clock):
    _, totp = enrolled
    challenge_id = start_login(client)["challenge_id"]
    stale = totp.at(frozen_clock.current - timedelta(seconds=90))
    if stale != totp.at(frozen_clock.current):
        assert assert_problem(verify(client, challenge_id, stale), 400, "invalid_otp")["attempts_left"] == 4


def test_a_totp_code_is_accepted_only_once(client, enrolled, frozen_clock):
    _, totp = enrolled
    code = totp.at(frozen_clock.current)
    first = start_login(client)["challenge_id"]
    assert verify(client, first, code).status_code == 200
    second = start_login(client)["challenge_id"]
    assert_problem(verify(client, second, code), 400, "otp_already_used")
    frozen_clock.advance(seconds=30)
    assert verify(client, second, totp.at(frozen_clock.current)).status_code == 200


def test_totp_login_cannot_be_resent_as_sms(client, enrolled):
    challenge_id = start_login(client)["challenge_id"]
    assert_problem(client.post(f"{API}/auth/otp/resend", json={"challenge_id": challenge_id}),
                   400, "resend_not_available")


def test_wrong_totp_codes_lock_the_challenge(client, enrolled, frozen_clock):
    _, totp = enrolled
    challenge_id = start_login(client)["challenge_id"]
    right = totp.at(frozen_clock.current)
    bad = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        assert assert_problem(verify(client, challenge_id, bad), 400, "invalid_otp")["attempts_left"] == left
    assert_problem(verify(client, challenge_id, bad), 400, "challenge_locked")
    assert_problem(verify(client, challenge_id, right), 400, "challenge_locked")


def test_confirm_with_a_wrong_code(client, outbox, frozen_clock, session):
    tokens = register(client, outbox)
    secret = begin(client, tokens).get_json()["secret"]
    right = pyotp.TOTP(secret).at(frozen_clock.current)
    bad = f"{(int(right) + 500_000) % 1_000_000:06d}"
    resp = confirm(client, tokens, bad)
    assert_problem(resp, 400, "invalid_otp")
    assert session.query(Account).one().totp_enabled is False


def test_confirm_before_enrollment_and_enrolling_twice(client, outbox, enrolled):
    tokens, _ = enrolled
    assert_problem(begin(client, tokens), 409, "totp_already_enabled")
    resp = confirm(client, tokens, "123456")
    assert_problem(resp, 409, "totp_already_enabled")


def test_confirm_without_a_secret(client, outbox):
    tokens = register(client, outbox)
    resp = confirm(client, tokens, "123456")
    assert_problem(resp, 409, "totp_not_started")


def test_totp_endpoints_need_an_account_token(app, client, session):
    from tests import factories

    assert_problem(client.post(f"{API}/me/totp"), 401, "unauthorized")
    assert_problem(client.post(f"{API}/me/totp/confirm", json={"otp": "123456"}), 401, "unauthorized")
    _, headers = factories.clinic(app, session)
    assert_problem(client.post(f"{API}/me/totp", headers=headers), 403, "forbidden")


@pytest.mark.parametrize("body", [{}, {"otp": "12345", "password": PASSWORD}, {"otp": "123456"},
                                  {"otp": "123456", "password": PASSWORD, "x": 1}])
def test_confirm_validation(client, outbox, body):
    tokens = register(client, outbox)
    resp = client.post(f"{API}/me/totp/confirm", headers=bearer(tokens["access_token"]), json=body)
    assert_problem(resp, 422, "validation_error")


def test_wrong_password_still_comes_first_with_totp(client, enrolled):
    resp = client.post(f"{API}/auth/login", json={"phone": PHONE, "password": PASSWORD + "x"})
    assert_problem(resp, 401, "invalid_credentials")
