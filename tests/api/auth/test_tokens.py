"""POST /auth/refresh (rotation, reuse detection, 30-day life) and /auth/logout (CONTRACT §2)."""
from sqlalchemy import select

from models import LoginSession, RefreshToken
from tests import factories
from tests.auth.flows import API, bearer, login, register
from tests.conftest import assert_problem


def refresh(client, token):
    return client.post(f"{API}/auth/refresh", headers=bearer(token))


def me(client, access):
    return client.get(f"{API}/me", headers=bearer(access))


def test_refresh_rotates(client, outbox):
    first = register(client, outbox)
    resp = refresh(client, first["refresh_token"])
    assert resp.status_code == 200
    second = resp.get_json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert me(client, second["access_token"]).status_code == 200
    third = refresh(client, second["refresh_token"]).get_json()
    assert me(client, third["access_token"]).status_code == 200


def test_refresh_tokens_are_stored_only_as_keyed_hashes(client, outbox, session):
    tokens = register(client, outbox)
    stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert len(stored) == 1 and len(stored[0]) == 64 and tokens["refresh_token"] not in stored[0]


def test_reusing_a_refresh_token_revokes_the_whole_login(client, outbox, session):
    first = register(client, outbox)
    second = refresh(client, first["refresh_token"]).get_json()
    body = assert_problem(refresh(client, first["refresh_token"]), 401, "token_reused")
    assert body["detail"]
    # Every token of that login is dead now: the newest refresh token and the access tokens.
    assert_problem(refresh(client, second["refresh_token"]), 401, "token_revoked")
    assert_problem(me(client, second["access_token"]), 401, "token_revoked")
    assert_problem(me(client, first["access_token"]), 401, "token_revoked")
    assert session.scalar(select(LoginSession.revoked_reason)) == "token_reused"


def test_reuse_does_not_touch_other_logins(client, outbox):
    register(client, outbox)
    a = login(client, outbox)
    b = login(client, outbox)
    refresh(client, a["refresh_token"])
    assert_problem(refresh(client, a["refresh_token"]), 401, "token_reused")
    assert me(client, b["access_token"]).status_code == 200
    assert refresh(client, b["refresh_token"]).status_code == 200


def test_login_lasts_30_days_at_most_however_often_it_is_refreshed(client, outbox, frozen_clock):
    tokens = register(client, outbox)
    for _ in range(4):
        frozen_clock.advance(days=7)
        resp = refresh(client, tokens["refresh_token"])
        assert resp.status_code == 200
        tokens = resp.get_json()
    frozen_clock.advance(days=2, seconds=1)
    assert_problem(refresh(client, tokens["refresh_token"]), 401, "token_expired")


def test_refresh_needs_a_known_token(client, outbox):
    tokens = register(client, outbox)
    assert_problem(client.post(f"{API}/auth/refresh"), 401, "unauthorized")
    assert_problem(refresh(client, "not-a-token"), 401, "unauthorized")
    # An access token is not a refresh token.
    assert_problem(refresh(client, tokens["access_token"]), 401, "unauthorized")
    resp = client.post(f"{API}/auth/refresh", headers={"Authorization": f"Basic {tokens['refresh_token']}"})
    assert_problem(resp, 401, "unauthorized")


def test_logout_kills_the_access_token_and_the_refresh_chain_at_once(client, outbox):
    tokens = register(client, outbox)
    resp = client.post(f"{API}/auth/logout", headers=bearer(tokens["access_token"]))
    assert resp.status_code == 204 and resp.data == b""
    assert_problem(me(client, tokens["access_token"]), 401, "token_revoked")
    assert_problem(refresh(client, tokens["refresh_token"]), 401, "token_revoked")
    assert_problem(client.post(f"{API}/auth/logout", headers=bearer(tokens["access_token"])), 401, "token_revoked")


def test_logout_ends_only_this_login(client, outbox):
    register(client, outbox)
    a = login(client, outbox)
    b = login(client, outbox)
    client.post(f"{API}/auth/logout", headers=bearer(a["access_token"]))
    assert me(client, b["access_token"]).status_code == 200


def test_logout_needs_an_account_token(app, client, session):
    assert_problem(client.post(f"{API}/auth/logout"), 401, "unauthorized")
    assert_problem(client.post(f"{API}/auth/logout", headers=bearer("garbage")), 401, "unauthorized")
    _, headers = factories.employer(app, session)
    assert_problem(client.post(f"{API}/auth/logout", headers=headers), 403, "forbidden")


def test_access_token_lives_15_minutes_and_expired_is_401(app, client, outbox):
    from datetime import timedelta

    import jwt as pyjwt
    from flask_jwt_extended import create_access_token

    tokens = register(client, outbox)
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert claims["typ"] == "access" and claims["role"] == "citizen" and claims["sid"] and claims["sub"]
    with app.app_context():
        old = create_access_token(identity=claims["sub"], expires_delta=timedelta(seconds=-5),
                                  additional_claims={"typ": "access", "role": "citizen", "sid": claims["sid"]})
    assert_problem(me(client, old), 401, "token_expired")
