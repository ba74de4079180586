"""`flask clients create clinic|employer` and `flask clients add-staff` (CONTRACT §7)."""
import json

import pytest
from sqlalchemy import select

from models import ApiClient, ClinicStaff
from services import api_clients


def run(runner, *args):
    return runner.invoke(args=["clients", *args])


def test_create_clinic_prints_one_json_line_and_stores_a_hash(runner, client, session):
    result = run(runner, "create", "clinic", "--facility-code", "01001", "--name", "Bệnh viện Bạch Mai")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    creds = json.loads(lines[0])
    assert set(creds) == {"client_id", "client_secret"} and len(creds["client_secret"]) >= 43
    stored = session.get(ApiClient, creds["client_id"])
    assert stored.kind == "clinic" and stored.facility_code == "01001" and stored.name == "Bệnh viện Bạch Mai"
    assert creds["client_secret"] not in stored.secret_hash and len(stored.secret_hash) == 64
    # The printed secret works.
    resp = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", **creds})
    assert resp.status_code == 200


def test_create_employer(runner, session):
    result = run(runner, "create", "employer", "--unit-code", "TE3964E", "--province", "79", "--name", "Công ty A")
    assert result.exit_code == 0, result.output
    stored = session.get(ApiClient, json.loads(result.output)["client_id"])
    assert (stored.kind, stored.unit_code, stored.province_code) == ("employer", "TE3964E", "79")


@pytest.mark.parametrize("args", [
    ["create", "clinic", "--facility-code", "1001", "--name", "X"],
    ["create", "clinic", "--facility-code", "ABCDE", "--name", "X"],
    ["create", "clinic", "--facility-code", "01001", "--name", "  "],
    ["create", "employer", "--unit-code", "te3964e", "--province", "01", "--name", "X"],
    ["create", "employer", "--unit-code", "TE3964", "--province", "01", "--name", "X"],
    ["create", "employer", "--unit-code", "TE3964E", "--province", "99", "--name", "X"],
    ["create", "employer", "--unit-code", "TE3964E", "--name", "X"],
    ["create", "hospital", "--name", "X"],
])
def test_create_refuses_bad_input(runner, session, args):
    result = run(runner, *args)
    assert result.exit_code != 0
    assert session.scalar(select(ApiClient.client_id)) is None


def test_add_staff_and_update_the_name(runner, session):
    client_id = json.loads(run(runner, "create", "clinic", "--facility-code", "01001", "--name", "BV").output)["client_id"]
    result = run(runner, "add-staff", client_id, "--cccd", "001095012345", "--name", "Lê Văn Cường")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["full_name"] == "Lê Văn Cường"
    assert run(runner, "add-staff", client_id, "--cccd", "001095012345", "--name", "Lê Văn Cương").exit_code == 0
    staff = session.scalars(select(ClinicStaff)).all()
    assert [(s.cccd, s.full_name) for s in staff] == [("001095012345", "Lê Văn Cương")]


def test_add_staff_refuses_bad_cccd_unknown_client_and_employers(runner, session):
    clinic_id = json.loads(run(runner, "create", "clinic", "--facility-code", "01001", "--name", "BV").output)["client_id"]
    employer_id = json.loads(run(runner, "create", "employer", "--unit-code", "TE3964E", "--province", "01",
                                 "--name", "A").output)["client_id"]
    assert "12" in run(runner, "add-staff", clinic_id, "--cccd", "12345", "--name", "A").output
    assert run(runner, "add-staff", clinic_id, "--cccd", "099095012345", "--name", "A").exit_code != 0
    assert run(runner, "add-staff", "clinic_nobody", "--cccd", "001095012345", "--name", "A").exit_code != 0
    assert run(runner, "add-staff", employer_id, "--cccd", "001095012345", "--name", "A").exit_code != 0
    assert session.scalar(select(ClinicStaff.id)) is None


def test_service_create_with_a_chosen_id_and_secret_is_an_upsert(app, session):
    with app.app_context():
        first, secret = api_clients.create_client(session, "clinic", "Demo", facility_code="01001",
                                                 client_id="demo-clinic", secret="demo-secret-123")
        assert secret == "demo-secret-123"
        again, _ = api_clients.create_client(session, "clinic", "Demo 2", facility_code="01002",
                                            client_id="demo-clinic", secret="demo-secret-456")
        session.commit()
        assert again is first and first.facility_code == "01002"
        assert api_clients.authenticate(session, "demo-clinic", "demo-secret-456") is first
        assert api_clients.authenticate(session, "demo-clinic", "demo-secret-123") is None
        with pytest.raises(api_clients.ClientError):
            api_clients.create_client(session, "clinic", "X", facility_code="01001", secret="short")
