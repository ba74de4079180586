"""POST /auth/register and /auth/register/verify (CONTRACT §2)."""
import re

import pytest
from sqlalchemy import select

from models import Account, OtpChallenge
from tests import factories
from tests.auth.flows import API, E164, NAME, PASSWORD, PHONE, register, wrong_code
from tests.conftest import assert_problem


def start(client, phone=PHONE, password=PASSWORD, full_name=NAME):
    return client.post(f"{API}/auth/register", json={"phone": phone, "password": password, "full_name": full_name})


def verify(client, challenge_id, otp):
    return client.post(f"{API}/auth/register/verify", json={"challenge_id": challenge_id, "otp": otp})


def test_register_sends_a_vietnamese_sms_and_verify_creates_the_account(client, outbox, session):
    resp = start(client)
    assert resp.status_code == 202
    body = resp.get_json()
    assert set(body) == {"challenge_id", "expires_in", "resend_after"}
    assert body["expires_in"] == 300 and body["resend_after"] == 60
    [msg] = outbox.messages()
    assert msg["to"] == E164 and "Mã xác thực VssID" in msg["text"] and "5 phút" in msg["text"]
    assert msg["sent_at"]

    resp = verify(client, body["challenge_id"], outbox.last_code())
    assert resp.status_code == 201
    created = resp.get_json()
    assert created["account"]["phone"] == E164 and created["account"]["full_name"] == NAME
    assert created["account"]["roles"] == ["citizen"]
    assert created["token_type"] == "Bearer" and created["expires_in"] == 900
    assert created["access_token"] and len(created["refresh_token"]) >= 43  # 256 bits, base64url

    account = session.scalar(select(Account).where(Account.phone == E164))
    assert account.password_hash.startswith("$argon2id$")
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {created['access_token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == account.id


@pytest.mark.parametrize("phone", ["0912345678", "+84912345678", "84912345678"])
def test_phone_forms_are_stored_as_e164(client, outbox, phone):
    assert register(client, outbox, phone=phone)["account"]["phone"] == E164


def test_code_is_stored_only_as_a_keyed_hash(client, outbox, session):
    challenge_id = start(client).get_json()["challenge_id"]
    code = outbox.last_code()
    ch = session.get(OtpChallenge, challenge_id)
    assert ch.code_hash and code not in ch.code_hash and len(ch.code_hash) == 64
    assert PASSWORD not in str(ch.payload)


def test_existing_phone_gets_the_same_answer_and_an_sms_without_code(client, outbox, session):
    factories.account(session, phone=E164)
    resp = start(client)
    assert resp.status_code == 202
    assert set(resp.get_json()) == {"challenge_id", "expires_in", "resend_after"}
    [msg] = outbox.messages()
    assert msg["to"] == E164 and "đã được dùng để đăng ký" in msg["text"]
    assert not re.search(r"\d{6}", msg["text"])
    # Whatever is tried, it never verifies.
    resp = verify(client, resp.get_json()["challenge_id"], "123456")
    assert_problem(resp, 400, "invalid_otp")
    assert session.scalar(select(Account.id).where(Account.phone == E164)) is not None


def test_wrong_code_counts_down_and_the_fifth_locks_the_challenge(client, outbox):
    challenge_id = start(client).get_json()["challenge_id"]
    bad = wrong_code(outbox.last_code())
    for left in (4, 3, 2, 1):
        body = assert_problem(verify(client, challenge_id, bad), 400, "invalid_otp")
        assert body["attempts_left"] == left
    assert_problem(verify(client, challenge_id, bad), 400, "challenge_locked")
    # Dead for good, even with the right code.
    assert_problem(verify(client, challenge_id, outbox.last_code()), 400, "challenge_locked")


def test_code_expires_after_five_minutes(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=5)
    assert_problem(verify(client, challenge_id, outbox.last_code()), 400, "otp_expired")


def test_code_still_good_just_before_five_minutes(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=4, seconds=59)
    assert verify(client, challenge_id, outbox.last_code()).status_code == 201


def test_code_is_single_use(client, outbox):
    challenge_id = start(client).get_json()["challenge_id"]
    code = outbox.last_code()
    assert verify(client, challenge_id, code).status_code == 201
    assert_problem(verify(client, challenge_id, code), 400, "challenge_used")


def test_code_is_bound_to_its_challenge(client, outbox):
    first = start(client).get_json()["challenge_id"]
    first_code = outbox.last_code()
    second = start(client, phone="0987000111").get_json()["challenge_id"]
    assert_problem(verify(client, second, first_code), 400, "invalid_otp")
    assert verify(client, first, first_code).status_code == 201


def test_register_challenge_cannot_finish_a_login(client, outbox):
    challenge_id = start(client).get_json()["challenge_id"]
    resp = client.post(f"{API}/auth/login/verify", json={"challenge_id": challenge_id, "otp": outbox.last_code()})
    assert_problem(resp, 404, "challenge_not_found")


def test_unknown_challenge(client):
    assert_problem(verify(client, "0" * 32, "123456"), 404, "challenge_not_found")


@pytest.mark.parametrize("password", ["short1!", "x" * 129, "password", "PassWord1", "12345678", "qwerty123",
                                      "11111111", "matkhau123", "123456789"])
def test_weak_passwords_are_refused(client, outbox, password):
    body = assert_problem(start(client, password=password), 422, "weak_password")
    assert "password" in body["errors"]
    assert outbox.messages() == []


def test_longest_allowed_password(client, outbox):
    assert start(client, password="Ví-dụ-" + "k" * 122).status_code == 202


@pytest.mark.parametrize("body", [
    {"phone": "12345", "password": PASSWORD, "full_name": NAME},
    {"phone": "0212345678", "password": PASSWORD, "full_name": NAME},
    {"phone": PHONE, "password": PASSWORD, "full_name": "   "},
    {"phone": PHONE, "password": PASSWORD},
    {"phone": PHONE, "password": 12345678, "full_name": NAME},
    {"phone": PHONE, "password": PASSWORD, "full_name": NAME, "role": "officer"},
])
def test_invalid_bodies_are_422(client, body):
    resp = client.post(f"{API}/auth/register", json=body)
    assert_problem(resp, 422, "validation_error")
    assert resp.get_json()["errors"]


def test_malformed_json_is_422(client):
    resp = client.post(f"{API}/auth/register", data='{"phone": "09', content_type="application/json")
    assert_problem(resp, 422, "validation_error")


def test_wrong_content_type_is_415(client):
    resp = client.post(f"{API}/auth/register", data="phone=0912345678", content_type="application/x-www-form-urlencoded")
    assert_problem(resp, 415, "unsupported_media_type")


def test_otp_must_be_six_digits(client, outbox):
    challenge_id = start(client).get_json()["challenge_id"]
    assert_problem(verify(client, challenge_id, "12ab56"), 422, "validation_error")
    # Spaces a user pasted are fine.
    code = outbox.last_code()
    assert verify(client, challenge_id, f"{code[:3]} {code[3:]}").status_code == 201


def test_body_over_8_mib_is_413(client):
    resp = client.post(f"{API}/auth/register", data=b"{" + b" " * (8 * 1024 * 1024) + b"}",
                       content_type="application/json")
    assert_problem(resp, 413, "payload_too_large")


def test_codes_and_passwords_never_reach_the_logs(client, outbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    tokens = register(client, outbox)
    code = outbox.last_code()
    client.post(f"{API}/auth/login", json={"phone": PHONE, "password": PASSWORD})
    for secret in (code, outbox.last_code(), PASSWORD, tokens["refresh_token"], tokens["access_token"]):
        assert secret not in caplog.text
    assert E164 not in caplog.text
