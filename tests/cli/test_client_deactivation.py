"""Audit findings: clinic/employer tokens could not be revoked and there was no CLI to deactivate a
client; rotating SECRET_KEY invalidated every client secret."""
import json

from sqlalchemy import select

from auth import clients as client_secrets
from models import ApiClient, AuditEvent
from tests.conftest import assert_problem

TOKEN_URL = "/api/v1/oauth/token"
SINCE = {"since": "2026-01-01T00:00:00+00:00"}


def _create(runner, *args):
    result = runner.invoke(args=["clients", "create", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _token(client, creds):
    resp = client.post(TOKEN_URL, data={"grant_type": "client_credentials", **creds})
    return resp, (resp.get_json() or {}).get("access_token")


def test_clients_deactivate_ends_clinic_and_employer_tokens_at_once(runner, client, session):
    clinic = _create(runner, "clinic", "--facility-code", "01001", "--name", "BV A")
    employer = _create(runner, "employer", "--unit-code", "TE3964E", "--province", "01", "--name", "Cty A")
    clinic_h = {"Authorization": f"Bearer {_token(client, clinic)[1]}"}
    employer_h = {"Authorization": f"Bearer {_token(client, employer)[1]}"}
    calls = [("get", "/api/v1/cards/revoked", clinic_h, {"query_string": SINCE}),
             ("post", "/api/v1/clinic/card-checks", clinic_h, {"json": {"card_number": "x"}}),
             ("get", "/api/v1/employer/employees", employer_h, {})]
    for method, url, headers, kw in calls:
        assert getattr(client, method)(url, headers=headers, **kw).status_code == 200, url

    for creds in (clinic, employer):
        result = runner.invoke(args=["clients", "deactivate", creds["client_id"]])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["active"] is False

    for method, url, headers, kw in calls:
        resp = getattr(client, method)(url, headers=headers, **kw)
        assert_problem(resp, 401, "unauthorized")
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    for creds in (clinic, employer):
        assert_problem(_token(client, creds)[0], 401, "invalid_client")
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "client.deactivate")).all()
    assert {e.target_id for e in events} == {clinic["client_id"], employer["client_id"]}


def test_deactivate_an_unknown_client_fails_cleanly(runner):
    result = runner.invoke(args=["clients", "deactivate", "clinic_nope"])
    assert result.exit_code == 1 and "no client clinic_nope" in result.output


def test_client_secret_survives_a_secret_key_rotation(app, runner, client):
    creds = _create(runner, "clinic", "--facility-code", "01001", "--name", "BV A")
    app.config["SECRET_KEY"] = "a-completely-new-secret-key-after-rotation-0123456789"
    resp, token = _token(client, creds)
    assert resp.status_code == 200 and token


def test_a_legacy_secret_hash_is_restored_in_the_current_form_on_use(app, runner, client, session):
    creds = _create(runner, "employer", "--unit-code", "TE3964E", "--province", "01", "--name", "Cty A")
    with app.app_context():
        legacy = client_secrets._legacy_hash(creds["client_secret"])
    stored = session.get(ApiClient, creds["client_id"])
    stored.secret_hash = legacy
    session.commit()
    assert _token(client, creds)[0].status_code == 200
    session.expire_all()
    assert session.get(ApiClient, creds["client_id"]).secret_hash == client_secrets.hash_secret(creds["client_secret"])
    app.config["SECRET_KEY"] = "a-completely-new-secret-key-after-rotation-0123456789"
    assert _token(client, creds)[0].status_code == 200
    assert _token(client, {**creds, "client_secret": creds["client_secret"] + "x"})[0].status_code == 401
