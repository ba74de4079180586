
from services.card_verifier import Verifier


def test_jwks_at_the_root_and_under_the_prefix(client):
    root = client.get("/.well-known/jwks.json")
    prefixed = client.get("/api/v1/.well-known/jwks.json")
    assert root.status_code == prefixed.status_code == 200
    assert root.get_json() == prefixed.get_json()
    [key] = root.get_json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256" and key["kid"]
    assert "d" not in key
    assert "max-age" in root.headers["Cache-Control"]
    assert Verifier(root.get_json()).keys  # usable by the offline verifier as is

def test_rotation_keeps_the_old_key_until_its_payloads_expired(client, runner, frozen_clock):
    [first] = client.get("/.well-known/jwks.json").get_json()["keys"]
    result = runner.invoke(args=["keys", "rotate", "--activate-after", "0"])
    assert result.exit_code == 0 and "new signing key" in result.output
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert len(kids) == 2 and first["kid"] in kids
    frozen_clock.advance(days=30, seconds=-1)
    assert len(client.get("/.well-known/jwks.json").get_json()["keys"]) == 2
    frozen_clock.advance(seconds=1)
    kids_later = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert first["kid"] not in kids_later and len(kids_later) == 1

def test_jwks_needs_no_token(client):
    assert client.get("/.well-known/jwks.json", headers={"Authorization": "Bearer junk"}).status_code == 200
