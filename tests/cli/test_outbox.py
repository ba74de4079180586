"""`flask outbox status` / `retry` / `sweep`: the operators' view of messages given up (dead)."""
from __future__ import annotations

import json

from sqlalchemy import select

from models import OutboxMessage
from services import outbox

OTP_TEXT = "Mã đăng nhập VssID của bạn là 493817."


def _dead_message(app, session) -> str:
    """A message whose gateway is down, pushed past its last attempt."""
    app.extensions["runtime"].sms = _Down()
    mid = outbox.add_sms(session, "+84912345678", OTP_TEXT)
    session.commit()  # the memory queue tries at once: attempt 1 fails
    session.execute(OutboxMessage.__table__.update().values(
        status="dead", attempts=8, last_error="ConnectionError: down"))
    session.commit()
    return mid


class _Down:
    def __init__(self):
        self.sent = []
        self.up = False

    def send(self, to, text, idempotency_key=None):
        if not self.up:
            raise ConnectionError("down")
        self.sent.append((to, text, idempotency_key))


def test_status_shows_counts_and_dead_messages_masked(app, session, runner):
    mid = _dead_message(app, session)
    out = runner.invoke(args=["outbox", "status"]).output
    assert "dead=1" in out and mid in out and "*678" in out and "912345" not in out and "493817" not in out
    doc = json.loads(runner.invoke(args=["outbox", "status", "--json"]).output)
    assert doc["counts"]["dead"] == 1 and doc["dead"][0]["attempts"] == 8


def test_retry_sends_a_dead_message_again(app, session, runner):
    mid = _dead_message(app, session)
    assert runner.invoke(args=["outbox", "retry"]).exit_code != 0  # says what to name
    gateway = app.extensions["runtime"].sms
    gateway.up = True
    assert "1 message(s) queued again" in runner.invoke(args=["outbox", "retry", mid]).output
    assert gateway.sent == [("+84912345678", OTP_TEXT, mid)]
    session.expire_all()
    assert session.scalar(select(OutboxMessage.status)) == "sent"
    assert "0 message(s) queued again" in runner.invoke(args=["outbox", "retry", "--all"]).output


def test_sweep_command(runner):
    assert "0 message(s) queued" in runner.invoke(args=["outbox", "sweep"]).output
