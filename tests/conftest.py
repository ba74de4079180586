"""Shared fixtures. Every test gets a fresh app on a clean database (SQLite, or PostgreSQL when
TEST_USE_POSTGRES=1 and TEST_DATABASE_URL are set), its own SMS outbox, card-key folder and
throttle namespace, and a clock it can move."""
from __future__ import annotations

import contextvars
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

import clock
import models
from db import make_engine

USE_POSTGRES = os.environ.get("TEST_USE_POSTGRES") == "1"
REDIS_URL = os.environ.get("REDIS_URL") or None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if USE_POSTGRES:
        url = os.environ["TEST_DATABASE_URL"]
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = make_engine(url)
    models.Base.metadata.drop_all(engine)
    models.Base.metadata.create_all(engine)
    engine.dispose()
    return url


def _clean(url: str) -> None:
    engine = make_engine(url)
    tables = list(reversed(models.Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    engine.dispose()


class Clock:
    """A controllable `clock.now()`: starts at the real time, moves only when told."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)

    def set(self, value: datetime) -> None:
        self.current = value


@pytest.fixture
def frozen_clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(clock, "now", c)
    return c


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    ns = uuid.uuid4().hex[:12]
    return {
        "TESTING": True,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "REDIS_URL": REDIS_URL,
        "SMS_BACKEND": "outbox",
        "SMS_OUTBOX_FILE": str(tmp_path / "sms-outbox.jsonl"),
        "CARD_KEYS_DIR": str(tmp_path / "card-keys"),
        "DATA_KEYS_DIR": str(tmp_path / "data-keys"),
        "REGISTRY_BACKEND": "local",
        "THROTTLE_PREFIX": f"test:{ns}:throttle:",
        "QUEUE_URL": "memory://",  # tasks run at once, in the test's process
        "PUSH_OUTBOX_FILE": str(tmp_path / "push-outbox.jsonl"),
    }


class IsolatedClient(FlaskClient):
    """Each request runs in an empty contextvars context, so it gets its own app context (`g`, DB
    session, teardown) even while a test holds one open for arranging data: as in production."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config):
    from app import create_app
    from auth import passwords

    passwords.configure(fast=True)
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    yield application
    application.extensions["db"].dispose()
    _clean(app_config["DATABASE_URL"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session for arranging and inspecting data directly (commit what the app must see)."""
    with app.app_context():
        sess = app.extensions["db"].factory()
        yield sess
        sess.close()


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]

    def last_code(self, phone: str | None = None) -> str:
        import re

        for msg in reversed(self.messages()):
            if phone is None or msg["to"] == phone:
                found = re.search(r"\b(\d{6})\b", msg["text"])
                if found:
                    return found.group(1)
        raise AssertionError("no OTP in the outbox")


@pytest.fixture
def outbox(app_config) -> Outbox:
    return Outbox(Path(app_config["SMS_OUTBOX_FILE"]))


def assert_problem(resp, status: int, code: str) -> dict:
    """The answer is a problem document with this status and code."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    assert resp.mimetype == "application/problem+json", resp.mimetype
    body = resp.get_json()
    assert body["code"] == code, body
    assert body["status"] == status and body["title"] and "detail" in body and body["type"]
    return body
