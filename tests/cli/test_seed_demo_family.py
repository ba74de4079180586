"""The demo family: the mother sees Khang, adds Hà, quotes her household; a re-run resets it."""
from __future__ import annotations

from sqlalchemy import func, select

import clock
from models import Dependant
from services import api_clients
from services.seed_demo_family import BIRTHS_CLIENT, PHONE, people
from tests.cli.test_seed_demo import _token, seeded  # noqa: F401 (fixture)

API = "/api/v1"


def test_demo_family(app, client, runner, session, seeded):  # noqa: F811
    fam = people(clock.today().year)
    mother = _token(app, session, PHONE)
    listing = client.get(f"{API}/me/dependants", headers=mother).get_json()
    assert [i["full_name"] for i in listing["items"]] == ["Đỗ Minh Khang"]
    khang = listing["items"][0]
    assert khang["card"]["card_number"].startswith("TE101") and khang["card"]["status"] == "active"
    card = client.get(f"{API}/me/dependants/{khang['id']}/card", headers=mother).get_json()
    assert card["qr"] and card["valid_to"].endswith("-09-30")
    ha = fam["ha"]
    added = client.post(f"{API}/me/dependants", headers=mother, json={
        "cccd": ha["cccd"], "full_name": ha["full_name"], "date_of_birth": ha["date_of_birth"].isoformat(),
        "gender": ha["gender"]})
    assert added.status_code == 201, added.get_json()
    quote = client.get(f"{API}/me/household/contribution-quote", headers=mother).get_json()
    assert [m["monthly"] for m in quote["members"] if m["pays"]] == [105_300, 73_710]  # mother, father
    assert quote["total"] == (105_300 + 73_710) * 12
    assert api_clients.authenticate(session, BIRTHS_CLIENT["client_id"], BIRTHS_CLIENT["secret"]) is not None
    # A re-run puts the family back: Khang only.
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Dependant)) == 1
    listing = client.get(f"{API}/me/dependants", headers=mother).get_json()
    assert [i["full_name"] for i in listing["items"]] == ["Đỗ Minh Khang"]
