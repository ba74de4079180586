"""Audit finding: without Redis (`make run`: 4 gunicorn workers) every limit multiplied by the worker
count: one phone got 20 SMS in 8.8 s, one account made 19 processed link attempts in an hour.

Measured for real: a gunicorn with 4 workers, `make run`'s configuration (SQLite, SMS outbox, no
REDIS_URL), hammered concurrently. The figures are printed (pytest -s) for the release note."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Hoa-sen-nở-2024"
LINK = {"cccd": "001099000777", "full_name": "Không Có Ai", "date_of_birth": "1999-01-01", "gender": "male",
        "bhxh_code": "0999999999", "consent": True}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "INSTANCE_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
           "SMS_OUTBOX_FILE": str(tmp / "outbox.jsonl"), "CARD_KEYS_DIR": str(tmp / "keys"), "PORT": str(port),
           "WEB_CONCURRENCY": "4", "HOME": str(tmp)}
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "app:create_app()"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    time.sleep(2)  # let every worker boot, so the requests really spread over 4 processes
    yield base, tmp / "outbox.jsonl"
    proc.terminate()
    proc.wait(timeout=30)


def _sent_to(outbox: Path, phone: str) -> list[dict]:
    if not outbox.exists():
        return []
    return [m for m in map(json.loads, outbox.read_text(encoding="utf-8").splitlines()) if m["to"] == phone]


def _sms_to(outbox: Path, phone: str, expected: int = 1, settle: float = 1.0) -> list[dict]:
    """The SMS sent to `phone`. The queue sends them after the request (docs/notifications.md): wait
    until `expected` have arrived (at most 20 s), then a little longer so that any extra one would show."""
    deadline = time.monotonic() + 20
    while len(_sent_to(outbox, phone)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(settle)
    return _sent_to(outbox, phone)


def _parallel(n: int, fn) -> list[int]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda _: fn(), range(n)))


def test_without_redis_one_phone_gets_5_sms_per_hour_across_4_workers(server):
    base, outbox = server
    phone, e164 = "0912555001", "+84912555001"
    body = {"phone": phone, "password": PASSWORD, "full_name": "Nguyễn Thị Mai"}
    statuses = _parallel(40, lambda: requests.post(f"{base}/api/v1/auth/register", json=body, timeout=30).status_code)
    sent = len(_sms_to(outbox, e164, expected=5))
    print(f"\nSMS to one phone, 40 concurrent registrations over 4 workers, no Redis: {sent}")
    assert sent == 5 and statuses.count(202) == 5 and statuses.count(429) == 35


def test_without_redis_resends_inside_the_cooldown_send_nothing_across_4_workers(server):
    base, outbox = server
    phone, e164 = "0912555002", "+84912555002"
    resp = requests.post(f"{base}/api/v1/auth/register", timeout=30,
                         json={"phone": phone, "password": PASSWORD, "full_name": "Nguyễn Thị Mai"})
    challenge_id = resp.json()["challenge_id"]
    statuses = _parallel(20, lambda: requests.post(f"{base}/api/v1/auth/otp/resend", timeout=30,
                                                   json={"challenge_id": challenge_id}).status_code)
    assert len(_sms_to(outbox, e164)) == 1 and statuses.count(429) == 20


def test_without_redis_one_account_makes_5_link_attempts_per_hour_across_4_workers(server):
    base, outbox = server
    phone = "0912555003"
    resp = requests.post(f"{base}/api/v1/auth/register", timeout=30,
                         json={"phone": phone, "password": PASSWORD, "full_name": "Nguyễn Thị Mai"})
    code = _sms_to(outbox, "+84912555003")[-1]["text"].split("là ")[1][:6]
    tokens = requests.post(f"{base}/api/v1/auth/register/verify", timeout=30,
                           json={"challenge_id": resp.json()["challenge_id"], "otp": code}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    statuses = _parallel(30, lambda: requests.post(f"{base}/api/v1/me/link", json=LINK, headers=headers,
                                                   timeout=30).status_code)
    processed = len([s for s in statuses if s != 429])
    print(f"\nprocessed link attempts of one account, 30 concurrent over 4 workers, no Redis: {processed}")
    assert processed == 5, statuses


