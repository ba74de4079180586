"""GET /me (CONTRACT §2)."""
from tests import factories
from tests.auth.flows import API, E164, NAME, bearer, register
from tests.conftest import assert_problem


def test_me_answers_the_profile_and_the_link(client, outbox):
    tokens = register(client, outbox)
    resp = client.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"id", "phone", "full_name", "roles", "link"}
    assert body["phone"] == E164 and body["full_name"] == NAME and body["roles"] == ["citizen"]
    assert body["link"]["status"] == "none"
    assert set(body["link"]) == {"status", "bhxh_code", "cccd", "review_id", "reason"}


def test_me_for_an_officer(app, client, session):
    _, headers = factories.officer(app, session)
    body = client.get(f"{API}/me", headers=headers).get_json()
    assert body["roles"] == ["officer"] and body["link"]["status"] == "none"


def test_me_needs_a_token(client):
    resp = client.get(f"{API}/me")
    assert_problem(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert_problem(client.get(f"{API}/me", headers=bearer("not.a.jwt")), 401, "unauthorized")


def test_me_is_for_accounts_not_api_clients(app, client, session):
    _, clinic_headers = factories.clinic(app, session)
    assert_problem(client.get(f"{API}/me", headers=clinic_headers), 403, "forbidden")
    _, employer_headers = factories.employer(app, session)
    assert_problem(client.get(f"{API}/me", headers=employer_headers), 403, "forbidden")


def test_me_rejects_a_token_signed_with_another_key(app, client, session):
    import jwt as pyjwt

    acc, headers = factories.citizen(app, session)
    claims = pyjwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    forged = pyjwt.encode(claims, "another-key-" + "y" * 32, algorithm="HS256")
    assert_problem(client.get(f"{API}/me", headers=bearer(forged)), 401, "unauthorized")
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert_problem(client.get(f"{API}/me", headers=bearer(unsigned)), 401, "unauthorized")


def test_wrong_method_on_me(client):
    assert_problem(client.delete(f"{API}/me"), 405, "method_not_allowed")
