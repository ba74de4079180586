"""POST /auth/login and /auth/login/verify; the account lock (CONTRACT §2)."""
import pytest

from auth import passwords
from models import Account
from tests import factories
from tests.auth.flows import API, E164, PHONE, bearer, wrong_code
from tests.conftest import assert_problem

GOOD = factories.PASSWORD


def login(client, password=GOOD, phone=PHONE):
    return client.post(f"{API}/auth/login", json={"phone": phone, "password": password})


def verify(client, challenge_id, otp):
    return client.post(f"{API}/auth/login/verify", json={"challenge_id": challenge_id, "otp": otp})


@pytest.fixture
def account(session):
    return factories.account(session, phone=E164)


def test_login_sends_a_code_and_verify_answers_tokens(client, outbox, account):
    resp = login(client)
    assert resp.status_code == 202
    body = resp.get_json()
    assert body["channel"] == "sms" and body["expires_in"] == 300 and body["challenge_id"]
    assert "Mã đăng nhập VssID" in outbox.messages()[-1]["text"]
    resp = verify(client, body["challenge_id"], outbox.last_code())
    assert resp.status_code == 200
    tokens = resp.get_json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in", "device_token"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    me = client.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.get_json()["phone"] == E164


def test_wrong_password_and_unknown_phone_answer_alike(client, outbox, account):
    wrong = assert_problem(login(client, password="Not-the-password-1"), 401, "invalid_credentials")
    unknown = assert_problem(login(client, phone="0987000111"), 401, "invalid_credentials")
    assert wrong["detail"] == unknown["detail"]
    assert outbox.messages() == []


def test_unknown_phone_still_runs_a_password_hash(client, monkeypatch):
    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    assert_problem(login(client, phone="0987000111"), 401, "invalid_credentials")
    assert calls == [None]


def test_ten_failed_logins_lock_the_account_for_15_minutes(client, outbox, account, frozen_clock, session):
    for _ in range(9):
        assert_problem(login(client, password="Not-the-password-1"), 401, "invalid_credentials")
    resp = login(client, password="Not-the-password-1")
    body = assert_problem(resp, 429, "account_locked")
    assert resp.headers["Retry-After"] == "900" and body["retry_after"] == 900
    # Even the right password is refused while locked.
    frozen_clock.advance(minutes=10)
    resp = login(client)
    assert_problem(resp, 429, "account_locked")
    assert resp.headers["Retry-After"] == "300"
    assert outbox.messages() == []
    frozen_clock.advance(minutes=5)
    assert login(client).status_code == 202


def test_lock_expiry_starts_a_fresh_count(client, account, frozen_clock):
    for _ in range(10):
        login(client, password="Not-the-password-1")
    frozen_clock.advance(minutes=15)
    for _ in range(9):
        assert_problem(login(client, password="Not-the-password-1"), 401, "invalid_credentials")
    assert_problem(login(client, password="Not-the-password-1"), 429, "account_locked")


def test_wrong_login_codes_count_towards_the_lock(client, outbox, account, frozen_clock):
    for _ in range(7):
        assert_problem(login(client, password="Not-the-password-1"), 401, "invalid_credentials")
    challenge_id = login(client).get_json()["challenge_id"]
    bad = wrong_code(outbox.last_code())
    assert_problem(verify(client, challenge_id, bad), 400, "invalid_otp")
    assert_problem(verify(client, challenge_id, bad), 400, "invalid_otp")
    resp = verify(client, challenge_id, bad)  # the 10th failure in a row
    assert_problem(resp, 429, "account_locked")
    assert resp.headers["Retry-After"] == "900"
    # The right code does not get in while locked.
    assert_problem(verify(client, challenge_id, outbox.last_code()), 429, "account_locked")


def test_a_full_login_resets_the_count(client, outbox, account, session):
    for _ in range(9):
        login(client, password="Not-the-password-1")
    challenge_id = login(client).get_json()["challenge_id"]
    assert verify(client, challenge_id, outbox.last_code()).status_code == 200
    session.expire_all()
    assert session.get(Account, account.id).failed_logins == 0
    for _ in range(9):
        assert_problem(login(client, password="Not-the-password-1"), 401, "invalid_credentials")


def test_login_code_rules(client, outbox, account, frozen_clock):
    challenge_id = login(client).get_json()["challenge_id"]
    bad = wrong_code(outbox.last_code())
    for left in (4, 3, 2, 1):
        assert assert_problem(verify(client, challenge_id, bad), 400, "invalid_otp")["attempts_left"] == left
    assert_problem(verify(client, challenge_id, bad), 400, "challenge_locked")
    assert_problem(verify(client, challenge_id, outbox.last_code()), 400, "challenge_locked")

    frozen_clock.advance(seconds=61)
    challenge_id = login(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=5)
    assert_problem(verify(client, challenge_id, outbox.last_code()), 400, "otp_expired")


def test_login_code_is_single_use(client, outbox, account):
    challenge_id = login(client).get_json()["challenge_id"]
    code = outbox.last_code()
    assert verify(client, challenge_id, code).status_code == 200
    assert_problem(verify(client, challenge_id, code), 400, "challenge_used")


def test_officer_logs_in_the_same_way(client, outbox, session):
    factories.account(session, phone=E164, role="officer")
    challenge_id = login(client).get_json()["challenge_id"]
    tokens = verify(client, challenge_id, outbox.last_code()).get_json()
    assert client.get(f"{API}/me", headers=bearer(tokens["access_token"])).get_json()["roles"] == ["officer"]


def test_password_hash_is_upgraded_when_parameters_change(client, outbox, account, session, monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert login(client).status_code == 202
    session.expire_all()
    assert "m=2048,t=2" in session.get(Account, account.id).password_hash


@pytest.mark.parametrize("body", [{"phone": PHONE}, {"phone": "abc", "password": GOOD},
                                  {"phone": PHONE, "password": GOOD, "remember": True},
                                  {"phone": PHONE, "password": "x" * 2000}])
def test_login_validation(client, body):
    assert_problem(client.post(f"{API}/auth/login", json=body), 422, "validation_error")


def test_login_malformed_json_and_content_type(client):
    assert_problem(client.post(f"{API}/auth/login", data="{", content_type="application/json"),
                   422, "validation_error")
    assert_problem(client.post(f"{API}/auth/login", data="x", content_type="text/plain"),
                   415, "unsupported_media_type")
