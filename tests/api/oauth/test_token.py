"""POST /oauth/token: client credentials, form or JSON (CONTRACT §5)."""
import base64

import jwt as pyjwt
import pytest

from services import api_clients
from tests.conftest import assert_problem

URL = "/api/v1/oauth/token"


@pytest.fixture
def clinic(app, session):
    with app.app_context():
        client, secret = api_clients.create_client(session, "clinic", "Bệnh viện Bạch Mai", facility_code="01001")
        session.commit()
    return client.client_id, secret


@pytest.fixture
def employer(app, session):
    with app.app_context():
        client, secret = api_clients.create_client(session, "employer", "Công ty An Phát", unit_code="TE3964E",
                                                   province_code="01")
        session.commit()
    return client.client_id, secret


def claims(token):
    return pyjwt.decode(token, options={"verify_signature": False})


def test_form_grant_gives_a_clinic_token(client, clinic):
    client_id, secret = clinic
    resp = client.post(URL, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    c = claims(body["access_token"])
    assert c["typ"] == "access" and c["role"] == "clinic" and c["fac"] == "01001" and c["sub"] == client_id
    assert "sid" not in c


def test_json_grant_gives_an_employer_token(client, employer):
    client_id, secret = employer
    resp = client.post(URL, json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert resp.status_code == 200
    c = claims(resp.get_json()["access_token"])
    assert c["role"] == "employer" and c["unit"] == "TE3964E" and c["prov"] == "01"


def test_basic_authentication_of_the_client(client, clinic):
    client_id, secret = clinic
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    resp = client.post(URL, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    assert resp.status_code == 200


def test_scope_is_accepted_and_ignored(client, clinic):
    client_id, secret = clinic
    resp = client.post(URL, data={"grant_type": "client_credentials", "client_id": client_id,
                                  "client_secret": secret, "scope": "card-check"})
    assert resp.status_code == 200


def test_the_token_passes_role_guards(client, clinic):
    client_id, secret = clinic
    token = client.post(URL, data={"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret}).get_json()["access_token"]
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 403, "forbidden")


@pytest.mark.parametrize("who", ["wrong-secret", "unknown-client", "inactive"])
def test_wrong_credentials_are_invalid_client(client, clinic, session, who):
    from models import ApiClient

    client_id, secret = clinic
    if who == "wrong-secret":
        secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    elif who == "unknown-client":
        client_id = "clinic_0000000000000000"
    else:
        session.get(ApiClient, client_id).active = False
        session.commit()
    resp = client.post(URL, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    body = assert_problem(resp, 401, "invalid_client")
    assert body["error"] == "invalid_client"


def test_wrong_basic_credentials_ask_for_basic(client, clinic):
    basic = base64.b64encode(f"{clinic[0]}:nope".encode()).decode()
    resp = client.post(URL, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    assert_problem(resp, 401, "invalid_client")
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("grant", ["password", "authorization_code", "refresh_token"])
def test_other_grants_are_unsupported(client, clinic, grant):
    resp = client.post(URL, data={"grant_type": grant, "client_id": clinic[0], "client_secret": clinic[1]})
    assert assert_problem(resp, 400, "unsupported_grant_type")["error"] == "unsupported_grant_type"


def test_missing_grant_type_or_unknown_field_is_422(client, clinic):
    assert_problem(client.post(URL, data={"client_id": clinic[0], "client_secret": clinic[1]}), 422, "validation_error")
    assert_problem(client.post(URL, json={"grant_type": "client_credentials", "client_id": clinic[0],
                                          "client_secret": clinic[1], "admin": True}), 422, "validation_error")
    assert_problem(client.post(URL), 422, "validation_error")


def test_malformed_json_is_422(client):
    assert_problem(client.post(URL, data="{grant_type", content_type="application/json"), 422, "validation_error")
    assert_problem(client.post(URL, data="[1, 2]", content_type="application/json"), 422, "validation_error")


def test_wrong_content_type_is_415(client):
    assert_problem(client.post(URL, data="grant_type=client_credentials", content_type="text/plain"),
                   415, "unsupported_media_type")


def test_body_over_8_mib_is_413(client):
    resp = client.post(URL, data=b"a" * (8 * 1024 * 1024 + 1), content_type="application/x-www-form-urlencoded")
    assert_problem(resp, 413, "payload_too_large")
