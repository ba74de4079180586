"""Audit finding: production started without REDIS_URL and with SMS_BACKEND=console.

Now gunicorn and every `flask` command refuse, in one line on standard error with exit status 1,
before a port is bound."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BASE = {"PATH": f"{BIN}:/usr/bin:/bin", "APP_ENV": "production", "SECRET_KEY": "s" * 48,
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/none", "SMS_BACKEND": "http",
        "SMS_HTTP_URL": "http://127.0.0.1:9/send", "REDIS_URL": "redis://127.0.0.1:6379/0"}
CASES = [
    ({"REDIS_URL": ""}, "refusing to start: APP_ENV=production needs REDIS_URL: the shared store for every "
                        "limit and counter\n"),
    ({"SMS_BACKEND": "console"}, "refusing to start: APP_ENV=production refuses SMS_BACKEND=console: use http\n"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, change: dict) -> dict:
    return {**BASE, **change, "INSTANCE_DIR": str(tmp_path)}


@pytest.mark.parametrize(("change", "line"), CASES)
def test_production_without_redis_or_with_console_sms_gunicorn_refuses_before_binding(tmp_path, change, line):
    port = _free_port()
    env = {**_env(tmp_path, change), "PORT": str(port)}
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "app:create_app()"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err, out) == (1, line, "")
    with socket.socket() as s:  # nothing ever listened there
        assert s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("command", [["db", "upgrade"], ["seed", "demo"], ["keys", "rotate"], ["--help"]])
@pytest.mark.parametrize(("change", "line"), CASES)
def test_production_without_redis_or_with_console_sms_every_flask_command_refuses(tmp_path, change, line, command):
    proc = subprocess.run([str(BIN / "flask"), "--app", "app", *command], cwd=ROOT, env=_env(tmp_path, change),
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (1, line)


def test_production_with_safe_settings_gets_past_the_check(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import config; config.load_or_exit(); print('ok')"],
                          cwd=ROOT, env=_env(tmp_path, {}), capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok\n", "")
