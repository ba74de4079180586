"""Drive the account flows over HTTP, as the mobile app does (shared by the auth, me and oauth tests)."""
from __future__ import annotations

PHONE = "0912345678"
E164 = "+84912345678"
PASSWORD = "Hoa-sen-nở-2024"
NAME = "Nguyễn Thị Mai"
API = "/api/v1"


def register(client, outbox, phone: str = PHONE, password: str = PASSWORD, full_name: str = NAME) -> dict:
    """Register and verify; the 201 body (account + tokens)."""
    resp = client.post(f"{API}/auth/register", json={"phone": phone, "password": password, "full_name": full_name})
    assert resp.status_code == 202, resp.get_json()
    challenge_id = resp.get_json()["challenge_id"]
    resp = client.post(f"{API}/auth/register/verify", json={"challenge_id": challenge_id, "otp": outbox.last_code()})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def start_login(client, phone: str = PHONE, password: str = PASSWORD) -> dict:
    resp = client.post(f"{API}/auth/login", json={"phone": phone, "password": password})
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()


def login(client, outbox, phone: str = PHONE, password: str = PASSWORD) -> dict:
    """Password + SMS code; the token pair."""
    challenge = start_login(client, phone, password)
    resp = client.post(f"{API}/auth/login/verify",
                       json={"challenge_id": challenge["challenge_id"], "otp": outbox.last_code()})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
