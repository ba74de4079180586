"""A scanned QR at the clinic: signature and exp offline first (051), then the card's current state."""
import json

from models import CardCheck
from services.card_signing import b64url
from services.card_verifier import b64url_decode

CHECK = "/api/v1/clinic/card-checks"
STAFF = {"staff_cccd": "001095012345", "staff_name": "Lê Văn Cường"}


def scan(client, clinic_headers, qr):
    resp = client.post(CHECK, json={"qr": qr, **STAFF}, headers=clinic_headers)
    assert resp.status_code == 200
    return resp.get_json()


def my_qr(client, headers):
    return client.get("/api/v1/me/card", headers=headers).get_json()["qr"]


def test_valid_qr_is_000_with_the_card(client, session, with_card, clinic_headers):
    _p, card, headers = with_card
    body = scan(client, clinic_headers, my_qr(client, headers))
    assert body["result_code"] == "000" and body["usable"] and body["card"]["card_number"] == card.card_number
    assert session.get(CardCheck, body["check_id"]).identifier_type == "qr"


def test_tampered_qr_is_051(client, with_card, clinic_headers):
    _p, _c, headers = with_card
    head, payload, sig = my_qr(client, headers).split(".")
    claims = json.loads(b64url_decode(payload))
    claims["vt"] = "2030-12-31"
    forged = ".".join([head, b64url(json.dumps(claims).encode()), sig])
    body = scan(client, clinic_headers, forged)
    assert body["result_code"] == "051" and body["card"] is None


def test_qr_signed_by_another_key_is_051(client, with_card, clinic_headers, tmp_path):
    from services import card_signing

    _p, card, headers = with_card
    claims = json.loads(b64url_decode(my_qr(client, headers).split(".")[1]))
    foreign = card_signing.sign(tmp_path / "elsewhere", claims)
    assert scan(client, clinic_headers, foreign)["result_code"] == "051"


def test_expired_qr_is_051(client, with_card, clinic_headers, at_now):
    _p, _c, headers = with_card
    qr = my_qr(client, headers)
    at_now.advance(days=30)
    assert scan(client, clinic_headers, qr)["result_code"] == "051"
    at_now.advance(seconds=-1)
    assert scan(client, clinic_headers, qr)["result_code"] == "000"


def test_garbage_qr_is_051(client, with_card, clinic_headers):
    for qr in ("hello", "a.b.c", "eyJhbGciOiJub25lIn0.e30."):
        assert scan(client, clinic_headers, qr)["result_code"] == "051"


def test_revoked_after_the_qr_was_issued_is_110_online(client, session, with_card, clinic_headers):
    import clock

    _p, card, headers = with_card
    qr = my_qr(client, headers)
    card.status, card.status_reason, card.status_changed_at = "revoked", "fraud", clock.now()
    session.commit()
    body = scan(client, clinic_headers, qr)
    assert body["result_code"] == "110" and body["usable"] is False and body["card"]["status"] == "revoked"


def test_replaced_card_qr_is_004(client, session, with_card, clinic_headers):
    from datetime import date

    from tests import factories as f

    person, _card, headers = with_card
    qr = my_qr(client, headers)
    f.card(session, person, object_code="HC", valid_from=date(2026, 6, 1))
    body = scan(client, clinic_headers, qr)
    assert body["result_code"] == "004" and body["renewed_card"]["card_number"] == "HC4010123456789"


def test_name_corrected_since_signing_is_060(client, session, with_card, clinic_headers):
    person, _card, headers = with_card
    qr = my_qr(client, headers)
    person.full_name = "Trần Văn Bình"
    session.commit()
    assert scan(client, clinic_headers, qr)["result_code"] == "060"


def test_old_qr_still_verifies_after_rotation(client, runner, with_card, clinic_headers, at_now):
    _p, _c, headers = with_card
    old = my_qr(client, headers)
    result = runner.invoke(args=["keys", "rotate", "--activate-after", "0"])
    assert result.exit_code == 0, result.output
    new = my_qr(client, headers)
    assert json.loads(b64url_decode(old.split(".")[0]))["kid"] != json.loads(b64url_decode(new.split(".")[0]))["kid"]
    assert scan(client, clinic_headers, old)["result_code"] == "000"
    assert scan(client, clinic_headers, new)["result_code"] == "000"
    at_now.advance(days=29)
    assert scan(client, clinic_headers, old)["result_code"] == "000"
    at_now.advance(days=1, seconds=1)
    assert scan(client, clinic_headers, old)["result_code"] == "051"
