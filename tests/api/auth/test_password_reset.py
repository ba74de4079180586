"""POST /auth/password/forgot and /auth/password/reset (CONTRACT §2)."""
import pytest

from tests.auth.flows import API, PASSWORD, PHONE, bearer, login, register, start_login, wrong_code
from tests.conftest import assert_problem

NEW = "Mật-khẩu-mới-2025"


def forgot(client, phone=PHONE):
    return client.post(f"{API}/auth/password/forgot", json={"phone": phone})


def reset(client, challenge_id, otp, new_password=NEW):
    return client.post(f"{API}/auth/password/reset",
                       json={"challenge_id": challenge_id, "otp": otp, "new_password": new_password})


def test_reset_sets_the_password_and_ends_every_session(client, outbox, frozen_clock):
    first = register(client, outbox)
    second = login(client, outbox)
    frozen_clock.advance(seconds=61)
    resp = forgot(client)
    assert resp.status_code == 202 and set(resp.get_json()) == {"challenge_id"}
    assert "đặt lại mật khẩu" in outbox.messages()[-1]["text"]
    resp = reset(client, resp.get_json()["challenge_id"], outbox.last_code())
    assert resp.status_code == 204
    for tokens in (first, second):
        assert_problem(client.get(f"{API}/me", headers=bearer(tokens["access_token"])), 401, "token_revoked")
        assert_problem(client.post(f"{API}/auth/refresh", headers=bearer(tokens["refresh_token"])),
                       401, "token_revoked")
    assert_problem(client.post(f"{API}/auth/login", json={"phone": PHONE, "password": PASSWORD}),
                   401, "invalid_credentials")
    assert login(client, outbox, password=NEW)["access_token"]


def test_unknown_phone_gets_the_same_answer_and_no_sms(client, outbox):
    resp = forgot(client, phone="0987000111")
    assert resp.status_code == 202 and set(resp.get_json()) == {"challenge_id"}
    assert outbox.messages() == []
    assert_problem(reset(client, resp.get_json()["challenge_id"], "123456"), 400, "invalid_otp")


def test_reset_code_rules(client, outbox, frozen_clock):
    register(client, outbox)
    challenge_id = forgot(client).get_json()["challenge_id"]
    bad = wrong_code(outbox.last_code())
    for left in (4, 3, 2, 1):
        assert assert_problem(reset(client, challenge_id, bad), 400, "invalid_otp")["attempts_left"] == left
    assert_problem(reset(client, challenge_id, bad), 400, "challenge_locked")
    frozen_clock.advance(seconds=61)
    challenge_id = forgot(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=5)
    assert_problem(reset(client, challenge_id, outbox.last_code()), 400, "otp_expired")


def test_weak_new_password_is_refused_and_keeps_the_code(client, outbox):
    register(client, outbox)
    challenge_id = forgot(client).get_json()["challenge_id"]
    body = assert_problem(reset(client, challenge_id, outbox.last_code(), "password123"), 422, "weak_password")
    assert "new_password" in body["errors"]
    assert reset(client, challenge_id, outbox.last_code()).status_code == 204


def test_reset_unlocks_a_locked_account(client, outbox, frozen_clock):
    register(client, outbox)
    for _ in range(10):
        client.post(f"{API}/auth/login", json={"phone": PHONE, "password": "Not-the-password-1"})
    assert_problem(client.post(f"{API}/auth/login", json={"phone": PHONE, "password": PASSWORD}),
                   429, "account_locked")
    challenge_id = forgot(client).get_json()["challenge_id"]
    assert reset(client, challenge_id, outbox.last_code()).status_code == 204
    frozen_clock.advance(seconds=61)
    assert start_login(client, password=NEW)["channel"] == "sms"


def test_login_challenge_cannot_reset(client, outbox):
    register(client, outbox)
    challenge_id = start_login(client)["challenge_id"]
    assert_problem(reset(client, challenge_id, outbox.last_code()), 404, "challenge_not_found")


@pytest.mark.parametrize("body", [{}, {"phone": "123"}, {"phone": PHONE, "extra": 1}])
def test_forgot_validation(client, body):
    assert_problem(client.post(f"{API}/auth/password/forgot", json=body), 422, "validation_error")


def test_reset_validation(client):
    assert_problem(client.post(f"{API}/auth/password/reset", json={"challenge_id": "x", "otp": "123456"}),
                   422, "validation_error")
