"""`flask officers create --phone P --password W --name N` (CONTRACT §7)."""
import json

from models import Account
from tests.auth.flows import login

PASSWORD = "Cán-bộ-BHXH-2025"


def create(runner, phone="0987654321", password=PASSWORD, name="Trần Thị Bình"):
    return runner.invoke(args=["officers", "create", "--phone", phone, "--password", password, "--name", name])


def test_create_officer_who_then_logs_in_with_an_otp(runner, client, outbox, session):
    result = create(runner)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["phone"] == "+84987654321" and body["role"] == "officer"
    account = session.get(Account, body["id"])
    assert account.role == "officer" and account.password_hash.startswith("$argon2id$")
    tokens = login(client, outbox, phone="0987654321", password=PASSWORD)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert me["roles"] == ["officer"] and me["full_name"] == "Trần Thị Bình"


def test_refuses_weak_password_bad_phone_and_a_taken_phone(runner, session):
    assert create(runner, password="password1").exit_code != 0
    assert create(runner, phone="12345").exit_code != 0
    assert create(runner).exit_code == 0
    result = create(runner)
    assert result.exit_code != 0 and "already" in result.output
    assert session.query(Account).count() == 1


def test_password_is_prompted_when_left_out(runner):
    result = runner.invoke(args=["officers", "create", "--phone", "0987654321", "--name", "Trần Thị Bình"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
