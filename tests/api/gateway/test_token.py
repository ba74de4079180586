"""POST /api/token/take and the gateway credentials on /api/egw/* (api/gateway/credentials.py)."""
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from models import GatewayAccount
from services import gateway_accounts
from tests.api.gateway import his

TAKE = "/api/token/take"
CHECK = "/api/egw/KQNhanLichSuKCB2024"


@pytest.fixture
def world(app, session, at_now):
    return his.build(app, session)


def login(client, username, password, **kw):
    resp = client.post(TAKE, json={"username": username, "password": password}, **kw)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def body(name=his.HOLDER, dob="20/02/1979"):
    return {"maThe": his.CARD, "hoTen": name, "ngaySinh": dob, "hoTenCb": "NGUYEN VAN CAN BO", "cccdCb": his.STAFF_CCCD}


def query(key, **changes):
    return urlencode({"token": key["access_token"], "id_token": key["id_token"], "username": key["username"],
                      "password": "x", **changes})


def test_login_answer(client, session, world):
    got = login(client, his.USERNAME, world.md5)
    assert got["maKetQua"] == "200"
    key = got["APIKey"]
    assert set(key) == {"access_token", "id_token", "token_type", "username", "expires_in"}
    assert (key["token_type"], key["username"]) == ("Bearer", his.USERNAME)
    assert all(ch.isalnum() or ch in "-_." for ch in key["access_token"] + key["id_token"])  # URL-safe
    assert key["expires_in"].endswith("Z")
    expires = datetime.fromisoformat(key["expires_in"][:26] + "+00:00")
    assert abs(expires - datetime.now(UTC) - timedelta(hours=24)) < timedelta(minutes=1)
    stored = session.query(GatewayAccount).one()
    assert world.md5 not in stored.password_hash and stored.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("username, password", [
    (his.USERNAME, "0" * 32), (his.USERNAME, ""), ("01929_XX", "0" * 32), ("", ""), (his.USERNAME, "not md5"),
])
def test_wrong_credentials_are_maketqua_401(client, world, username, password):
    got = login(client, username, password)
    assert got["maKetQua"] == "401" and got["APIKey"] is None


def test_the_plain_password_is_not_the_credential(client, world):
    assert login(client, his.USERNAME, world.password)["maKetQua"] == "401"


@pytest.mark.parametrize("payload", [b"", b"[]", b"{", b'{"username": 1, "password": 2}', b"\xff\xfe"])
def test_malformed_login_bodies(client, world, payload):
    resp = client.post(TAKE, data=payload, content_type="application/json")
    assert resp.status_code == 200 and resp.get_json()["maKetQua"] == "401"


def test_inactive_client_cannot_log_in(client, session, world):
    from models import ApiClient
    session.get(ApiClient, world.client_id).active = False
    session.commit()
    assert login(client, his.USERNAME, world.md5)["maKetQua"] == "401"


def test_check_with_query_credentials(client, world):
    key = login(client, his.USERNAME, world.md5)["APIKey"]
    resp = client.post(f"{CHECK}?{query(key)}", json=body())
    assert resp.status_code == 200 and resp.get_json()["maKetQua"] == "000"
    bearer = client.post(CHECK, json=body(), headers={"Authorization": f"Bearer {key['access_token']}"})
    assert bearer.get_json()["maKetQua"] == "000"


@pytest.mark.parametrize("change", [
    {"token": "nope"}, {"token": ""}, {"id_token": "00000000-0000-0000-0000-000000000000"}, {"id_token": ""},
    {"username": "01929_OTHER"},
], ids=lambda c: next(iter(c)) + "=" + next(iter(c.values()))[:6])
def test_bad_gateway_credentials_are_401_json(client, session, world, change):
    from models import CardCheck
    key = login(client, his.USERNAME, world.md5)["APIKey"]
    resp = client.post(f"{CHECK}?{query(key, **change)}", json=body())
    assert (resp.status_code, resp.mimetype, resp.get_json()["maKetQua"]) == (401, "application/json", "401")
    assert session.query(CardCheck).count() == 0


def test_no_credentials_at_all(client, world):
    resp = client.post(CHECK, data="maThe=x", content_type="application/x-www-form-urlencoded")
    assert (resp.status_code, resp.get_json()["maKetQua"]) == (401, "401")


def test_expired_token_is_401(client, world, monkeypatch):
    from auth import gateway
    monkeypatch.setattr(gateway, "GATEWAY_TOKEN_TTL", timedelta(seconds=-5))
    key = login(client, his.USERNAME, world.md5)["APIKey"]
    resp = client.post(f"{CHECK}?{query(key)}", json=body())
    assert (resp.status_code, resp.get_json()["maKetQua"]) == (401, "401")


def test_internal_failure_is_maketqua_500(client, world, monkeypatch):
    from services import card_checks
    key = login(client, his.USERNAME, world.md5)["APIKey"]

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(card_checks, "check", broken)
    resp = client.post(f"{CHECK}?{query(key)}", json=body())
    assert (resp.status_code, resp.mimetype, resp.get_json()["maKetQua"]) == (500, "application/json", "500")


def test_several_accounts_per_clinic_and_unique_usernames(app, session, world):
    with app.app_context():
        second, _pw = gateway_accounts.create_account(session, world.client_id, "01929_nguyenvana")
        assert second.username == "01929_nguyenvana"
        with pytest.raises(gateway_accounts.ClientError):
            gateway_accounts.create_account(session, world.client_id, his.USERNAME)
        with pytest.raises(gateway_accounts.ClientError):
            gateway_accounts.create_account(session, world.client_id, "a b")


def test_lookup_log_shows_only_the_calling_facility(app, client, session, world):
    from tests import factories as f
    other, other_headers = f.clinic(app, session, facility_code="01002", staff=("001095012345", "Lê Văn Cường"))
    client.post(CHECK, json={**body(), "hoTenCb": "Lê Văn Cường", "cccdCb": "001095012345"}, headers=other_headers)
    key = login(client, his.USERNAME, world.md5)["APIKey"]
    got = client.post(f"{CHECK}?{query(key)}", json=body()).get_json()
    assert [e["userKT"] for e in got["dsLichSuKT2018"]] == ["01929_BV"]
