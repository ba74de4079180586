"""Real concurrency on PostgreSQL: single use and counters hold under parallel requests."""
import threading

import pytest

from tests.auth.flows import API, NAME, PASSWORD, PHONE, register, wrong_code
from tests.conftest import USE_POSTGRES

pytestmark = pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (TEST_USE_POSTGRES=1)")

N = 10


def race(app, path, json=None, headers=None):
    """N threads, each with its own test client, post at the same moment; their (status, body)."""
    barrier = threading.Barrier(N)
    results = []
    lock = threading.Lock()

    def worker():
        client = app.test_client()
        barrier.wait()
        resp = client.post(path, json=json, headers=headers)
        with lock:
            results.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=worker) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_ten_concurrent_verifications_of_one_register_code_make_one_account(app, client, outbox):
    challenge_id = client.post(f"{API}/auth/register",
                               json={"phone": PHONE, "password": PASSWORD, "full_name": NAME}).get_json()["challenge_id"]
    results = race(app, f"{API}/auth/register/verify", {"challenge_id": challenge_id, "otp": outbox.last_code()})
    assert sorted(s for s, _ in results) == [201] + [400] * (N - 1)
    assert {b["code"] for s, b in results if s == 400} == {"challenge_used"}


def test_ten_concurrent_verifications_of_one_login_code_give_tokens_once(app, client, outbox):
    register(client, outbox)
    challenge_id = client.post(f"{API}/auth/login", json={"phone": PHONE, "password": PASSWORD}).get_json()["challenge_id"]
    results = race(app, f"{API}/auth/login/verify", {"challenge_id": challenge_id, "otp": outbox.last_code()})
    winners = [b for s, b in results if s == 200]
    assert len(winners) == 1 and winners[0]["access_token"]
    assert {b["code"] for s, b in results if s != 200} == {"challenge_used"}


def test_ten_concurrent_wrong_codes_are_counted_exactly(app, client, outbox):
    challenge_id = client.post(f"{API}/auth/register",
                               json={"phone": PHONE, "password": PASSWORD, "full_name": NAME}).get_json()["challenge_id"]
    bad = wrong_code(outbox.last_code())
    results = race(app, f"{API}/auth/register/verify", {"challenge_id": challenge_id, "otp": bad})
    codes = sorted(b["code"] for _, b in results)
    assert codes.count("invalid_otp") == 4 and codes.count("challenge_locked") == N - 4
    assert sorted(b["attempts_left"] for _, b in results if b["code"] == "invalid_otp") == [1, 2, 3, 4]


def test_ten_concurrent_refreshes_of_one_token_rotate_once(app, client, outbox):
    tokens = register(client, outbox)
    results = race(app, f"{API}/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert sum(1 for s, _ in results if s == 200) <= 1
    assert {b["code"] for s, b in results if s != 200} <= {"token_reused", "token_revoked"}
