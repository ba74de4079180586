"""APP_ENV=production refuses unsafe settings with one line that says why (CONTRACT §0)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import config

SAFE = {"APP_ENV": "production", "SECRET_KEY": "s" * 48, "DATABASE_URL": "postgresql://db/app",
        "SMS_BACKEND": "http", "SMS_HTTP_URL": "http://sms.local/send", "REDIS_URL": "redis://r:6379/0"}


@pytest.mark.parametrize(("change", "words"), [
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"DATABASE_URL": "sqlite:///instance/app.db"}, "SQLite"),
    ({"SMS_BACKEND": "outbox"}, "outbox"),
    ({"QUEUE_URL": "memory://"}, "QUEUE_URL"),
    ({"SMS_BACKEND": "console"}, "console"),
    ({"REDIS_URL": ""}, "REDIS_URL"),
])
def test_production_refuses(monkeypatch, tmp_path, change, words):
    for key in ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "SMS_BACKEND", "REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(config.ConfigError) as err:
        config.load({**SAFE, **change, "INSTANCE_DIR": str(tmp_path)})
    message = str(err.value)
    assert words in message and "\n" not in message


def test_production_accepts_safe_settings(tmp_path):
    cfg = config.load({**SAFE, "INSTANCE_DIR": str(tmp_path)})
    assert cfg["SECRET_KEY"] == SAFE["SECRET_KEY"]
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_development_generates_its_secret_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.load({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": None})["SECRET_KEY"]
    second = config.load({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": None})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_cli_says_why_in_one_line(tmp_path):
    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "production", "DATABASE_URL": "sqlite:///x.db",
           "SECRET_KEY": "s" * 48, "INSTANCE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", "from app import create_app; create_app()"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == "refusing to start: APP_ENV=production refuses SQLite: set DATABASE_URL to PostgreSQL\n"
