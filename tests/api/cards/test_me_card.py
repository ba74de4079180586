import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from services.card_verifier import Verifier, b64url_decode
from tests import factories as f
from tests.api.cards.conftest import NOW
from tests.conftest import assert_problem

URL = "/api/v1/me/card"
FIELDS = {"card_number", "bhxh_code", "full_name", "date_of_birth", "gender", "object_code", "benefit_level",
          "benefit_rate", "province_code", "area_code", "primary_care_facility", "valid_from", "valid_to",
          "five_year_date", "issuing_agency", "status", "qr", "qr_expires_at", "co_payment"}


def claims_of(payload: str) -> dict:
    return json.loads(b64url_decode(payload.split(".")[1]))


def test_my_card_has_every_field(client, with_card):
    person, card, headers = with_card
    resp = client.get(URL, headers=headers)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert set(body) == FIELDS
    assert body.pop("co_payment")["paid"] == 0  # no visit yet (tests/api/visits)
    assert body | {"qr": None, "qr_expires_at": None} == {
        "card_number": "DN4010123456789", "bhxh_code": "0123456789", "full_name": "Nguyễn Văn An",
        "date_of_birth": "1995-03-05", "gender": "male", "object_code": "DN", "benefit_level": 4,
        "benefit_rate": 80, "province_code": "01", "area_code": "K1",
        "primary_care_facility": {"code": "01001", "name": "Bệnh viện Bạch Mai"},
        "valid_from": "2026-01-01", "valid_to": "2026-12-31", "five_year_date": "2027-01-01",
        "issuing_agency": "BHXH thành phố Hà Nội", "status": "active", "qr": None, "qr_expires_at": None,
    }


@pytest.mark.parametrize("level,rate", [(1, 100), (2, 100), (3, 95), (4, 80), (5, 100)])
def test_benefit_rate(client, session, linked, level, rate):
    person, headers = linked
    f.card(session, person, object_code={1: "TE", 2: "HN", 3: "HT", 4: "DN", 5: "QN"}[level], benefit_level=level)
    assert client.get(URL, headers=headers).get_json()["benefit_rate"] == rate


def test_qr_claims_and_expiry(client, with_card):
    person, card, headers = with_card
    body = client.get(URL, headers=headers).get_json()
    header = json.loads(b64url_decode(body["qr"].split(".")[0]))
    assert header["alg"] == "ES256" and header["kid"]
    claims = claims_of(body["qr"])
    assert set(claims) == {"cid", "cn", "n", "dob", "g", "f", "vf", "vt", "iat", "exp"}
    assert claims | {"iat": 0, "exp": 0} == {
        "cid": card.id, "cn": "DN4010123456789", "n": "Nguyễn Văn An", "dob": "1995-03-05", "g": "male",
        "f": "01001", "vf": "2026-01-01", "vt": "2026-12-31", "iat": 0, "exp": 0}
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] == int((NOW + timedelta(days=30)).timestamp())
    assert body["qr_expires_at"] == datetime.fromtimestamp(claims["exp"], UTC).isoformat()
    assert person.cccd not in json.dumps(claims) and person.cccd not in body["qr"]


def test_qr_never_outlives_the_card(client, session, linked):
    person, headers = linked
    f.card(session, person, valid_to=date(2026, 6, 20))
    claims = claims_of(client.get(URL, headers=headers).get_json()["qr"])
    # End of 20/06/2026 in Vietnam = 2026-06-20T17:00:00Z.
    assert claims["exp"] == int(datetime(2026, 6, 20, 17, 0, tzinfo=UTC).timestamp())


def test_qr_verifies_with_the_published_jwks(client, with_card):
    _p, card, headers = with_card
    payload = client.get(URL, headers=headers).get_json()["qr"]
    verdict = Verifier(client.get("/.well-known/jwks.json").get_json()).verify(payload, NOW.timestamp())
    assert verdict.status == "valid" and verdict.claims["cid"] == card.id


@pytest.mark.parametrize("status,reason,valid_to,expected", [
    ("revoked", "lost", date(2026, 12, 31), "revoked"),
    ("reported_decreased", "stopped", date(2026, 12, 31), "reported_decreased"),
    ("active", None, date(2026, 6, 14), "expired"),
])
def test_status_and_no_qr_when_not_active(client, session, linked, status, reason, valid_to, expected):
    person, headers = linked
    f.card(session, person, status=status, status_reason=reason, valid_to=valid_to)
    body = client.get(URL, headers=headers).get_json()
    assert body["status"] == expected and body["qr"] is None and body["qr_expires_at"] is None
    for image in ("qr.svg", "qr.png"):
        resp = client.get(f"{URL}/{image}", headers=headers)
        assert_problem(resp, 404, "no_qr")
        assert resp.headers["Cache-Control"] == "no-store"


def test_status_on_the_day_asked(client, session, linked, at_now):
    person, headers = linked
    f.card(session, person, valid_to=date(2026, 6, 15))
    assert client.get(URL, headers=headers).get_json()["status"] == "active"
    at_now.advance(hours=14)  # 00:00 on 16/06 in Vietnam
    assert client.get(URL, headers=headers).get_json()["status"] == "expired"


def test_current_card_is_the_latest_valid_from(client, session, linked):
    person, headers = linked
    f.card(session, person, object_code="HC", valid_from=date(2026, 3, 1))
    f.card(session, person, valid_from=date(2026, 1, 1))
    assert client.get(URL, headers=headers).get_json()["card_number"] == "HC4010123456789"


def test_not_linked_and_no_card(app, client, session, linked):
    _acc, stranger = f.citizen(app, session, phone="+84911111111")
    resp = client.get(URL, headers=stranger)
    assert_problem(resp, 404, "not_linked")
    assert resp.headers["Cache-Control"] == "no-store"
    _person, headers = linked
    assert_problem(client.get(URL, headers=headers), 404, "no_card")
    assert_problem(client.get(URL + "/qr.png", headers=headers), 404, "no_card")


def test_qr_svg_is_well_formed(client, with_card):
    _p, _c, headers = with_card
    resp = client.get(URL + "/qr.svg", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert resp.headers["Cache-Control"] == "no-store"
    root = ET.fromstring(resp.data)
    assert root.tag.endswith("svg") and root.get("width") and root.get("height")


def test_qr_png_decodes_to_a_verifiable_payload(client, with_card):
    pytest.importorskip("zxingcpp")
    from tests.api.cards.qr_image import decode_qr_png

    _p, card, headers = with_card
    resp = client.get(URL + "/qr.png", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["Cache-Control"] == "no-store"
    [text] = decode_qr_png(resp.data)
    verdict = Verifier(client.get("/.well-known/jwks.json").get_json()).verify(text, NOW.timestamp())
    assert verdict.status == "valid" and verdict.claims["cid"] == card.id


def test_segno_encodes_exactly_the_payload(with_card, app):
    import segno

    payload = "eyJhbGciOiJFUzI1NiJ9.eyJuIjoiTmd1eeG7hW4ifQ.AAAA"
    qr = segno.make(payload, error="m", micro=False)
    assert qr.error in ("M", "Q") and qr.mode == "byte"
    assert qr == segno.make(payload, error=qr.error.lower(), micro=False, boost_error=False, mode="byte")


@pytest.mark.parametrize("path", [URL, URL + "/qr.svg", URL + "/qr.png", "/api/v1/me/card-checks"])
def test_me_endpoints_roles(app, client, session, at_now, path):
    assert_problem(client.get(path), 401, "unauthorized")
    for headers in (f.officer(app, session)[1], f.clinic(app, session)[1], f.employer(app, session)[1]):
        resp = client.get(path, headers=headers)
        assert_problem(resp, 403, "forbidden")
        session.rollback()


def test_two_statements_and_no_transaction(app, client, with_card, monkeypatch):
    """The app's most opened screen: the login session's state and the card, one statement each,
    through the hot path's runner (straight psycopg on PostgreSQL: nothing reaches the engine)."""
    from tests.db.counting import statements_sent

    _person, _card, headers = with_card
    with statements_sent(app, monkeypatch) as seen:
        assert client.get(URL, headers=headers).status_code == 200
    assert seen.runner == ["SELECT", "SELECT"]
    assert len(seen.engine) == (0 if app.extensions["db"].engine.dialect.name == "postgresql" else 2), seen.engine


def test_same_day_cards_the_newest_created_is_current(client, session, linked, at_now):
    person, headers = linked
    f.card(session, person, object_code="HC", valid_from=date(2026, 1, 1))
    at_now.advance(hours=1)
    f.card(session, person, valid_from=date(2026, 1, 1))
    assert client.get(URL, headers=headers).get_json()["card_number"] == "DN4010123456789"
