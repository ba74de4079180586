"""HTTP details an integrator's tools rely on: no-store on every answer carrying a credential, CORS
on the public keys, Allow on 405, a problem `type` per code."""
from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import assert_problem

API = "/api/v1"


def test_login_verify_and_refresh_answers_are_no_store(app, client, session, outbox):
    f.account(session, phone="+84912345678")
    session.commit()
    start = client.post(f"{API}/auth/login", json={"phone": "0912345678", "password": f.PASSWORD})
    assert start.status_code == 202, start.get_json()
    tokens = client.post(f"{API}/auth/login/verify", json={"challenge_id": start.get_json()["challenge_id"],
                                                          "otp": outbox.last_code()})
    assert tokens.status_code == 200 and tokens.headers["Cache-Control"] == "no-store"
    refreshed = client.post(f"{API}/auth/refresh",
                            headers={"Authorization": "Bearer " + tokens.get_json()["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.headers["Cache-Control"] == "no-store"


def test_client_token_answer_is_no_store(app, client, session):
    from services import api_clients

    f.facility(session)
    api_clients.create_client(session, "clinic", "Test clinic", facility_code="01001", client_id="c-nostore",
                              secret="s" * 40)
    session.commit()
    resp = client.post(f"{API}/oauth/token", data={"grant_type": "client_credentials",
                                                     "client_id": "c-nostore", "client_secret": "s" * 40})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"


def test_an_answer_without_a_credential_keeps_its_caching(client):
    assert "no-store" not in client.get("/.well-known/jwks.json").headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/.well-known/jwks.json", f"{API}/.well-known/jwks.json"])
def test_jwks_is_readable_from_any_origin(client, path):
    resp = client.get(path, headers={"Origin": "https://verifier.example"})
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"


def test_405_lists_the_allowed_methods(client):
    resp = client.delete(f"{API}/auth/login")
    body = assert_problem(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]
    assert body["type"] == "/docs/problems#method_not_allowed"


def test_problem_type_names_the_code_and_its_page_exists(client):
    body = assert_problem(client.get(f"{API}/me"), 401, body_code := "unauthorized")
    assert body["type"] == f"/docs/problems#{body_code}"
    page, anchor = body["type"].split("#")
    assert f'id="{anchor}"' in client.get(page).get_data(as_text=True)
