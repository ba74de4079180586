"""The transactional outbox (services/outbox.py): written with the change, hinted after the commit,
sent once with its id as idempotency key, retried with backoff, dead after the last attempt."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from models import OutboxMessage
from services import outbox

OTP_TEXT = "Mã đăng nhập VssID của bạn là 493817. Không chia sẻ mã này."


@pytest.fixture
def hints(app):
    """Record the queue hints instead of running them."""
    factory = app.extensions["db"].factory
    got: list[str] = []
    settings = outbox.settings_of(factory())
    outbox.install(factory, replace(settings, hint=got.extend, backoff_s=1.0, max_attempts=3, lease_s=30))
    return got


class Sender:
    def __init__(self, fail: Exception | None = None):
        self.fail, self.sent = fail, []

    def __call__(self, row, body):
        if self.fail:
            raise self.fail
        self.sent.append((row.id, row.recipient, body))


def _new(app, **kw) -> str:
    with app.extensions["db"].factory() as s:
        mid = outbox.add_sms(s, "+84912345678", OTP_TEXT, **kw)
        s.commit()
    return mid


def test_the_row_commits_with_the_change_and_the_hint_follows_the_commit(app, hints):
    factory = app.extensions["db"].factory
    with factory() as s:
        outbox.add_sms(s, "+84912345678", OTP_TEXT)
        s.rollback()  # the change that asked for it did not happen: neither does the message
        assert hints == [] and s.scalar(select(OutboxMessage.id)) is None
        mid = outbox.add_sms(s, "+84912345678", OTP_TEXT)
        assert hints == []  # not before the commit: the worker would not find the row
        s.commit()
    assert hints == [mid]


def test_the_body_is_encrypted_at_rest_and_erased_once_sent(app, hints, frozen_clock):
    mid = _new(app)
    factory = app.extensions["db"].factory
    with factory() as s:
        raw = s.execute(text("SELECT body FROM outbox_messages")).scalar()
        assert b"493817" not in bytes(raw) and len(raw) > 60
        sender = Sender()
        assert outbox.deliver(s, mid, sender) == ("sent", None)
        assert sender.sent == [(mid, "+84912345678", OTP_TEXT)]  # the id is the idempotency key
        row = s.get(OutboxMessage, mid, populate_existing=True)
        assert (row.status, row.attempts, row.body) == ("sent", 1, None)
        assert outbox.deliver(s, mid, sender) == ("skipped", None)  # a duplicate hint sends nothing
    assert len(sender.sent) == 1


def test_failures_back_off_then_the_message_is_dead(app, hints, frozen_clock):
    mid = _new(app)
    failing = Sender(ConnectionError("gateway down"))
    with app.extensions["db"].factory() as s:
        outcome, delay = outbox.deliver(s, mid, failing)
        assert outcome == "retry" and 1.0 <= delay <= 1.2
        assert outbox.deliver(s, mid, failing) == ("skipped", None)  # not due yet
        frozen_clock.advance(seconds=2)
        outcome, delay = outbox.deliver(s, mid, failing)
        assert outcome == "retry" and 2.0 <= delay <= 2.4  # doubled
        frozen_clock.advance(seconds=3)
        assert outbox.deliver(s, mid, failing) == ("dead", None)
        row = s.get(OutboxMessage, mid, populate_existing=True)
        assert row.status == "dead" and "gateway down" in row.last_error and row.body is not None
        doc = outbox.status(s)
        assert doc["counts"]["dead"] == 1 and doc["dead"][0]["recipient"].endswith("678")
        assert "912345" not in doc["dead"][0]["recipient"]  # masked
        hints.clear()
        assert outbox.retry(s, [mid]) == 1 and hints == [mid]
        assert outbox.deliver(s, mid, Sender()) == ("sent", None)


def test_a_refused_message_is_dead_at_once(app, hints):
    mid = _new(app)
    with app.extensions["db"].factory() as s:
        assert outbox.deliver(s, mid, Sender(outbox.PermanentFailure("400 bad number"))) == ("dead", None)


def test_an_otp_sms_past_its_code_expiry_is_not_sent(app, hints, frozen_clock):
    from clock import now

    mid = _new(app, expires_at=now() + timedelta(minutes=5))
    frozen_clock.advance(minutes=6)
    sender = Sender()
    with app.extensions["db"].factory() as s:
        assert outbox.deliver(s, mid, sender) == ("expired", None)
        assert s.get(OutboxMessage, mid, populate_existing=True).body is None
    assert sender.sent == []


def test_sweep_finds_lost_hints_and_takes_over_a_dead_workers_lease(app, hints, frozen_clock):
    lost = _new(app)
    taken = _new(app)
    factory = app.extensions["db"].factory
    with factory() as s:
        outbox._claim(s, taken, frozen_clock(), 30)  # a worker took it, then died mid-send
        hints.clear()
        assert outbox.sweep(s) == 0  # within the grace: their hints are presumably in the queue
        frozen_clock.advance(seconds=31)
        assert outbox.sweep(s) == 2 and sorted(hints) == sorted([lost, taken])
        sender = Sender()
        assert outbox.deliver(s, taken, sender)[0] == "sent"
        assert s.get(OutboxMessage, taken, populate_existing=True).attempts == 2


def test_a_late_result_of_a_taken_over_attempt_does_not_overwrite(app, hints, frozen_clock):
    mid = _new(app)
    with app.extensions["db"].factory() as s:
        first = outbox._claim(s, mid, frozen_clock(), 30)
        frozen_clock.advance(seconds=31)
        outbox.sweep(s, grace=timedelta(0))
        assert outbox.deliver(s, mid, Sender())[0] == "sent"
        assert outbox._settle(s, mid, first, status="pending") is False


def test_the_queue_being_away_never_fails_the_commit(app, caplog):
    factory = app.extensions["db"].factory
    settings = outbox.settings_of(factory())

    def broken(ids):
        raise ConnectionError("redis away")

    outbox.install(factory, replace(settings, hint=broken))
    with factory() as s:
        outbox.add_sms(s, "+84912345678", OTP_TEXT)
        s.commit()
        assert s.scalar(select(OutboxMessage.status)) == "pending"
    assert "left to the sweep" in caplog.text and "493817" not in caplog.text


