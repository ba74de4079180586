"""`flask clients gateway-account` and `flask clients allow-address`."""
import json

from models import ClientAddress, GatewayAccount
from services.gateway_accounts import md5_hex
from tests import factories as f


def run(runner, *args):
    return runner.invoke(args=["clients", *args])


def test_gateway_account_prints_the_password_once_and_it_logs_in(runner, client, session):
    cl = f.api_client(session, "clinic", facility_code="01929")
    result = run(runner, "gateway-account", cl.client_id, "--username", "01929_BV")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    creds = json.loads(lines[0])
    assert len(lines) == 1 and set(creds) == {"username", "password"} and creds["username"] == "01929_BV"
    stored = session.query(GatewayAccount).one()
    assert creds["password"] not in stored.password_hash and md5_hex(creds["password"]) not in stored.password_hash
    got = client.post("/api/token/take", data={"username": "01929_BV", "password": md5_hex(creds["password"])})
    assert got.get_json()["maKetQua"] == "200"


def test_default_username_and_several_per_clinic(runner, session):
    cl = f.api_client(session, "clinic", facility_code="01929")
    assert json.loads(run(runner, "gateway-account", cl.client_id).output)["username"] == "01929_BV"
    assert run(runner, "gateway-account", cl.client_id, "--username", "01929_lan").exit_code == 0
    again = run(runner, "gateway-account", cl.client_id)
    assert again.exit_code != 0 and "taken" in again.output
    assert session.query(GatewayAccount).count() == 2


def test_gateway_account_refusals(runner, session):
    emp = f.api_client(session, "employer", unit_code="TE3964E", province_code="01")
    assert run(runner, "gateway-account", emp.client_id).exit_code != 0
    assert run(runner, "gateway-account", "clinic_nope").exit_code != 0
    cl = f.api_client(session, "clinic", facility_code="01929")
    assert run(runner, "gateway-account", cl.client_id, "--username", "bad name!").exit_code != 0


def test_allow_address(runner, session):
    cl = f.api_client(session, "clinic", facility_code="01929")
    result = run(runner, "allow-address", cl.client_id, "203.0.113.7/24")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == "203.0.113.0/24"
    assert run(runner, "allow-address", cl.client_id, "203.0.113.0/24").exit_code == 0  # idempotent
    assert [a.cidr for a in session.query(ClientAddress)] == ["203.0.113.0/24"]
    bad = run(runner, "allow-address", cl.client_id, "not-an-address")
    assert bad.exit_code != 0 and "not an address" in bad.output
