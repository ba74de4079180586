"""The card in the precision held: GET /me/card, the signed QR's `dob`, the offline verifier (which
must take the shorter forms) and the clinic's QR check of a partial-date holder."""
from __future__ import annotations

import json

import pytest

from services.birth_dates import BirthDate, stored_columns
from services.card_verifier import Verifier, b64url_decode
from tests.api.cards.conftest import NOW

URL = "/api/v1/me/card"
STAFF = {"staff_cccd": "001095012345", "staff_name": "Lê Văn Cường"}
SHAPES = [(BirthDate(1995, 3, 5), "1995-03-05"), (BirthDate(1995, 3), "1995-03"), (BirthDate(1995), "1995")]


def _hold(session, person, born: BirthDate) -> None:
    for key, value in stored_columns(born).items():
        setattr(person, key, value)
    session.commit()


@pytest.mark.parametrize(("born", "shown"), SHAPES)
def test_card_and_qr_claim_in_the_precision_held(client, session, with_card, born, shown):
    person, card, headers = with_card
    _hold(session, person, born)
    view = client.get(URL, headers=headers).get_json()
    assert view["date_of_birth"] == shown
    claims = json.loads(b64url_decode(view["qr"].split(".")[1]))
    assert claims["dob"] == shown
    verdict = Verifier(client.get("/.well-known/jwks.json").get_json()).verify(view["qr"], NOW.timestamp())
    assert verdict.status == "valid" and verdict.claims["dob"] == shown


@pytest.mark.parametrize(("born", "shown"), SHAPES)
def test_the_clinic_takes_a_partial_date_qr(client, session, with_card, clinic_headers, born, shown):
    person, card, headers = with_card
    _hold(session, person, born)
    qr = client.get(URL, headers=headers).get_json()["qr"]
    body = client.post("/api/v1/clinic/card-checks", json={"qr": qr, **STAFF}, headers=clinic_headers).get_json()
    assert body["result_code"] == "000" and body["card"]["date_of_birth"] == shown


def test_the_dob_schema_is_documented(client):
    spec = client.get("/openapi.json").get_json()
    names = [n for n, s in spec["components"]["schemas"].items() if "date_of_birth" in s.get("properties", {})]
    assert names
    for name in names:
        dob = spec["components"]["schemas"][name]["properties"]["date_of_birth"]
        assert dob.get("format") != "date", name  # a partial date is not an RFC 3339 full-date
