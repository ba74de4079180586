"""Per-address limits: generous by default (CONTRACT §2), answered as 429 rate_limited + Retry-After."""
import pytest

from tests.auth.flows import API, NAME, PASSWORD
from tests.conftest import assert_problem


@pytest.fixture
def tight(app):
    app.config.update(RATELIMIT_LOGIN="3/hour", RATELIMIT_REGISTER="2/hour", RATELIMIT_OAUTH="1/hour")
    return app


def test_login_address_limit_is_rate_limited_with_retry_after(tight, client):
    for _ in range(3):
        assert_problem(client.post(f"{API}/auth/login", json={"phone": "0987000111", "password": PASSWORD}),
                       401, "invalid_credentials")
    resp = client.post(f"{API}/auth/login", json={"phone": "0987000111", "password": PASSWORD})
    body = assert_problem(resp, 429, "rate_limited")
    assert 0 < int(resp.headers["Retry-After"]) <= 3600 and body["retry_after"] == int(resp.headers["Retry-After"])
    # Another address is not affected.
    other = client.post(f"{API}/auth/login", json={"phone": "0987000111", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert_problem(other, 401, "invalid_credentials")


def test_register_address_limit(tight, client):
    for i in range(2):
        resp = client.post(f"{API}/auth/register", json={"phone": f"098700011{i}", "password": PASSWORD,
                                                         "full_name": NAME})
        assert resp.status_code == 202
    resp = client.post(f"{API}/auth/register", json={"phone": "0987000119", "password": PASSWORD, "full_name": NAME})
    assert_problem(resp, 429, "rate_limited")
    assert resp.headers["Retry-After"]


def test_oauth_address_limit(tight, client):
    form = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    assert_problem(client.post(f"{API}/oauth/token", data=form), 401, "invalid_client")
    assert_problem(client.post(f"{API}/oauth/token", data=form), 429, "rate_limited")


def test_defaults_let_300_logins_and_100_registrations_through_one_address(client):
    for i in range(300):  # 300 failures, on 300 phones (one phone locks after 10, known or not)
        resp = client.post(f"{API}/auth/login", json={"phone": f"0986{i:06d}", "password": PASSWORD})
        assert resp.status_code == 401
    for i in range(100):
        resp = client.post(f"{API}/auth/register", json={"phone": f"0987{i:06d}", "password": PASSWORD,
                                                         "full_name": NAME})
        assert resp.status_code == 202, resp.get_json()


def test_success_answers_carry_no_stray_retry_after(client):
    resp = client.post(f"{API}/auth/register", json={"phone": "0987000111", "password": PASSWORD, "full_name": NAME})
    assert resp.status_code == 202 and "Retry-After" not in resp.headers
