"""Resend, the 60 s cooldown, the hourly SMS cap, and failing closed (CONTRACT §2)."""
import pytest

from tests import factories
from tests.auth.flows import API, E164, NAME, PASSWORD, PHONE
from tests.conftest import assert_problem


def start(client, phone=PHONE):
    resp = client.post(f"{API}/auth/register", json={"phone": phone, "password": PASSWORD, "full_name": NAME})
    return resp


def resend(client, challenge_id):
    return client.post(f"{API}/auth/otp/resend", json={"challenge_id": challenge_id})


def verify(client, challenge_id, otp):
    return client.post(f"{API}/auth/register/verify", json={"challenge_id": challenge_id, "otp": otp})


def test_resend_before_60_s_is_429_with_retry_after(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    frozen_clock.advance(seconds=20)
    resp = resend(client, challenge_id)
    body = assert_problem(resp, 429, "rate_limited")
    assert resp.headers["Retry-After"] == "40" and body["retry_after"] == 40
    assert len(outbox.messages()) == 1


def test_resend_replaces_the_code(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    old = outbox.last_code()
    frozen_clock.advance(seconds=60)
    resp = resend(client, challenge_id)
    assert resp.status_code == 202
    assert resp.get_json() == {"challenge_id": challenge_id, "expires_in": 300, "resend_after": 60}
    new = outbox.last_code()
    assert len(outbox.messages()) == 2
    if new != old:  # one in a million they are equal
        assert_problem(verify(client, challenge_id, old), 400, "invalid_otp")
    assert verify(client, challenge_id, new).status_code == 201


def test_resend_gives_an_expired_challenge_five_new_minutes(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=6)
    assert_problem(verify(client, challenge_id, outbox.last_code()), 400, "otp_expired")
    assert resend(client, challenge_id).status_code == 202
    frozen_clock.advance(minutes=4)
    assert verify(client, challenge_id, outbox.last_code()).status_code == 201


def test_resend_does_not_reset_wrong_attempts(client, outbox, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    for _ in range(4):
        verify(client, challenge_id, "000000" if outbox.last_code() != "000000" else "111111")
    frozen_clock.advance(seconds=61)
    assert resend(client, challenge_id).status_code == 202
    wrong = "000000" if outbox.last_code() != "000000" else "111111"
    assert_problem(verify(client, challenge_id, wrong), 400, "challenge_locked")
    assert_problem(resend(client, challenge_id), 400, "challenge_locked")


def test_resend_of_a_finished_or_unknown_challenge(client, outbox):
    challenge_id = start(client).get_json()["challenge_id"]
    verify(client, challenge_id, outbox.last_code())
    assert_problem(resend(client, challenge_id), 400, "challenge_used")
    assert_problem(resend(client, "f" * 32), 404, "challenge_not_found")


def test_a_challenge_older_than_30_minutes_cannot_be_resent(client, frozen_clock):
    challenge_id = start(client).get_json()["challenge_id"]
    frozen_clock.advance(minutes=31)
    assert_problem(resend(client, challenge_id), 400, "otp_expired")


def test_at_most_five_sms_per_phone_per_hour_across_challenges(client, outbox, frozen_clock, session):
    factories.account(session, phone=E164)  # login and reset SMS count too
    first = start(client).get_json()["challenge_id"]
    frozen_clock.advance(seconds=60)
    assert resend(client, first).status_code == 202
    assert client.post(f"{API}/auth/password/forgot", json={"phone": PHONE}).status_code == 202
    assert client.post(f"{API}/auth/login", json={"phone": PHONE, "password": factories.PASSWORD}).status_code == 202
    frozen_clock.advance(seconds=60)
    assert resend(client, first).status_code == 202
    assert len(outbox.messages()) == 5

    frozen_clock.advance(seconds=60)
    resp = resend(client, first)
    assert_problem(resp, 429, "rate_limited")
    retry_after = int(resp.headers["Retry-After"])
    assert 3600 - 180 <= retry_after <= 3600
    assert_problem(start(client), 429, "rate_limited")
    assert_problem(client.post(f"{API}/auth/login", json={"phone": PHONE, "password": factories.PASSWORD}),
                   429, "rate_limited")
    assert len(outbox.messages()) == 5
    # Another phone is not affected.
    assert start(client, phone="0987000111").status_code == 202

    frozen_clock.advance(seconds=retry_after)
    assert start(client).status_code == 202


def test_unknown_phone_reset_counts_like_a_real_one(client, frozen_clock):
    for _ in range(5):
        assert client.post(f"{API}/auth/password/forgot", json={"phone": PHONE}).status_code == 202
    assert_problem(client.post(f"{API}/auth/password/forgot", json={"phone": PHONE}), 429, "rate_limited")


class BrokenThrottle:
    def hit(self, key, limit, window):
        from auth.throttle import ThrottleUnavailable

        raise ThrottleUnavailable("connection refused")


def test_throttle_store_down_means_no_sms_503_otp_unavailable(app, client, outbox):
    app.extensions["runtime"].throttle = BrokenThrottle()
    resp = start(client)
    assert_problem(resp, 503, "otp_unavailable")
    assert int(resp.headers["Retry-After"]) > 0
    assert outbox.messages() == []


def test_redis_unreachable_fails_closed(app_config):
    from app import create_app

    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    resp = start(app.test_client())
    assert_problem(resp, 503, "otp_unavailable")
    assert resp.headers["Retry-After"]


def test_sms_gateway_down_still_answers_202_and_the_outbox_retries(app_config, session):
    """The SMS is sent by the task queue after the commit (docs/notifications.md): a gateway that is
    down delays the message, never the answer; the outbox keeps it for the next attempt."""
    from app import create_app
    from models import OtpChallenge, OutboxMessage

    app = create_app({**app_config, "SMS_BACKEND": "http", "SMS_HTTP_URL": "http://127.0.0.1:1/sms",
                      "SMS_HTTP_TIMEOUT": 0.5, "SMS_HTTP_BACKOFF": 0.01})
    resp = start(app.test_client())
    assert resp.status_code == 202
    assert session.query(OtpChallenge).count() == 1
    msg = session.query(OutboxMessage).one()
    assert (msg.status, msg.attempts, msg.channel) == ("pending", 1, "sms")
    assert "ConnectionError" in msg.last_error and msg.next_attempt_at > msg.created_at


@pytest.mark.parametrize("body", [{}, {"challenge_id": ""}, {"challenge_id": "x", "otp": "123456"}])
def test_resend_body_validation(client, body):
    assert_problem(client.post(f"{API}/auth/otp/resend", json=body), 422, "validation_error")
