"""The task queue's storage follows QUEUE_URL (jobs/__init__.py); the defaults by environment."""
from __future__ import annotations

import pytest
from huey import MemoryHuey, RedisHuey, SqliteHuey

import config
from config import ConfigError
from jobs import make_huey


def test_storage_by_url(tmp_path):
    sqlite = make_huey(f"sqlite:///{tmp_path / 'q' / 'queue.db'}")
    assert isinstance(sqlite, SqliteHuey) and (tmp_path / "q").is_dir()
    assert isinstance(make_huey("redis://127.0.0.1:6379/0"), RedisHuey)
    memory = make_huey("memory://")
    assert isinstance(memory, MemoryHuey) and memory.immediate
    with pytest.raises(ConfigError, match="QUEUE_URL"):
        make_huey("amqp://guest@localhost//")


def test_defaults(tmp_path, monkeypatch):
    for key in ("QUEUE_URL", "REDIS_URL", "APP_ENV"):
        monkeypatch.delenv(key, raising=False)
    dev = config.load({"INSTANCE_DIR": str(tmp_path)})
    assert dev["QUEUE_URL"] == f"sqlite:///{tmp_path / 'queue.db'}" and dev["QUEUE_WORKER"] == "embedded"
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    assert config.load({"INSTANCE_DIR": str(tmp_path)})["QUEUE_URL"].startswith("sqlite:")  # dev: no server needed
    prod = config.load({"INSTANCE_DIR": str(tmp_path), "APP_ENV": "production", "SECRET_KEY": "s" * 48,
                        "DATABASE_URL": "postgresql://db/app", "SMS_BACKEND": "http", "SMS_HTTP_URL": "http://sms/x"})
    assert prod["QUEUE_URL"] == "redis://cache:6379/2"


def test_the_worker_refuses_the_memory_queue(app):
    from jobs.worker import run

    with pytest.raises(SystemExit, match="nothing to consume"):
        run(app)
