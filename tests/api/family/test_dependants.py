"""Dependants: adding a child (registry-confirmed), the list, the child's card, QR and checks,
removal, the 18th birthday, two guardians, and nobody else (docs/family.md)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Dependant
from services import card_signing
from tests import factories as f
from tests.api.family import helpers as h
from tests.api.family.helpers import API, HUNG, KHOI, LAN, MAI
from tests.conftest import assert_problem


@pytest.fixture
def fam(app, session, frozen_clock):
    frozen_clock.set(h.NOW)
    return h.build(app, session)


def _count(session, model=Dependant, **where) -> int:
    session.expire_all()
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def test_guardian_adds_child_and_sees_card_qr_and_checks(app, client, session, fam):
    resp = h.add(client, fam.mai, KHOI)
    assert resp.status_code == 201, resp.get_json()
    dep = resp.get_json()
    assert dep["full_name"] == KHOI["full_name"] and dep["card"] is None  # the answer to the add itself
    listing = client.get(f"{API}/me/dependants", headers=fam.mai).get_json()
    assert listing["total"] == 1 and listing["page"] == 1
    item = listing["items"][0]
    assert item["id"] == dep["id"]
    assert item["card"] == {"card_number": fam.khoi_card, "valid_to": "2030-09-30", "status": "active"}
    card = client.get(f"{API}/me/dependants/{dep['id']}/card", headers=fam.mai)
    assert card.status_code == 200 and card.headers["Cache-Control"] == "no-store"
    body = card.get_json()
    assert body["card_number"] == fam.khoi_card and body["object_code"] == "TE" and body["benefit_rate"] == 100
    claims = card_signing.verifier(app.config["CARD_KEYS_DIR"]).verify(body["qr"], h.NOW.timestamp()).claims
    assert claims["cn"] == fam.khoi_card and claims["n"] == KHOI["full_name"] and "cccd" not in str(claims)
    checks = client.get(f"{API}/me/dependants/{dep['id']}/card-checks", headers=fam.mai).get_json()
    assert checks["total"] == 0
    # A clinic checks Khôi's card: Mai sees it in the child's history, not in her own.
    _, clinic = f.clinic(app, session, staff=h.STAFF)
    check = client.post(f"{API}/clinic/card-checks", headers=clinic, json={
        "identifier": fam.khoi_card, "full_name": KHOI["full_name"], "date_of_birth": "2024-05-10",
        "staff_cccd": h.STAFF[0], "staff_name": h.STAFF[1]}).get_json()
    assert check["result_code"] == "000"
    checks = client.get(f"{API}/me/dependants/{dep['id']}/card-checks", headers=fam.mai).get_json()
    assert [i["check_id"] for i in checks["items"]] == [check["check_id"]]
    assert client.get(f"{API}/me/card-checks", headers=fam.mai).get_json()["total"] == 0
    # Every look-up of the child's data is audited.
    assert _count(session, AuditEvent, action="dependant.card_viewed", target_id=dep["id"]) == 1
    assert _count(session, AuditEvent, action="dependant.checks_viewed", target_id=dep["id"]) == 2
    assert _count(session, AuditEvent, action="dependant.added") == 1


def test_child_without_card_is_listed_with_card_null(client, fam):
    dep = h.add(client, fam.mai, LAN).get_json()
    item = client.get(f"{API}/me/dependants", headers=fam.mai).get_json()["items"][0]
    assert item["id"] == dep["id"] and item["card"] is None
    assert_problem(client.get(f"{API}/me/dependants/{dep['id']}/card", headers=fam.mai), 404, "no_card")
    assert_problem(client.get(f"{API}/me/dependants/{dep['id']}/card-checks", headers=fam.mai), 404, "no_card")


def test_registry_must_confirm_the_child_and_the_relation(client, session, fam):
    assert_problem(h.add(client, fam.mai, KHOI, full_name="Tran Minh Khoi"), 422, "registry_mismatch")
    assert_problem(h.add(client, fam.mai, KHOI, date_of_birth="2024-05-11"), 422, "registry_mismatch")
    # Bình is linked and the child is real, but he is not its parent or guardian.
    assert_problem(h.add(client, fam.binh, KHOI), 422, "registry_mismatch")
    assert _count(session) == 0
    assert _count(session, AuditEvent, action="dependant.refused") == 3


def test_the_same_child_twice_is_already_linked(client, session, fam):
    assert h.add(client, fam.mai, KHOI).status_code == 201
    assert_problem(h.add(client, fam.mai, KHOI), 409, "already_linked")
    assert _count(session) == 1


def test_guardian_must_be_linked_first(app, client, session, fam):
    _, stranger = f.citizen(app, session, phone="+84911000009")
    assert_problem(h.add(client, stranger, KHOI), 404, "not_linked")
    assert client.get(f"{API}/me/dependants", headers=stranger).get_json() == {
        "items": [], "page": 1, "per_page": 20, "total": 0}


@pytest.mark.parametrize("changes,field", [
    ({"cccd": "12345"}, "cccd"), ({"gender": "x"}, "gender"), ({"date_of_birth": "2024-13-01"}, "date_of_birth"),
    ({"date_of_birth": "2030-01-01"}, "date_of_birth"), ({"full_name": ""}, "full_name"), ({"extra": 1}, "extra"),
])
def test_bad_body_is_422(client, session, fam, changes, field):
    body = assert_problem(h.add(client, fam.mai, KHOI, **changes), 422, "validation_error")
    assert field in body["errors"]
    assert _count(session) == 0


def test_an_adult_cannot_be_added(client, fam):
    body = assert_problem(h.add(client, fam.mai, HUNG, cccd=HUNG["cccd"]), 422, "validation_error")
    assert "date_of_birth" in body["errors"]


def test_attempts_share_the_link_budget(client, fam):
    for _ in range(5):
        assert h.add(client, fam.binh, KHOI).status_code == 422
    resp = h.add(client, fam.binh, KHOI)
    assert_problem(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) > 0
    linking = client.post(f"{API}/me/link", headers=fam.binh, json={
        "cccd": "001085000789", "full_name": "Lê Văn Bình", "date_of_birth": "1985-01-20", "gender": "male",
        "consent": True})
    assert_problem(linking, 429, "rate_limited")


def test_registry_down_is_503_and_writes_nothing(app, client, session, fam):
    from integrations.registry import HttpRegistry
    from services import runtime
    from tests.integrations.test_registry import _free_port

    with app.app_context():
        rt = runtime.get()
        real = rt.registry
        rt.registry = HttpRegistry(f"http://127.0.0.1:{_free_port()}/verify", timeout=0.5)
    try:
        resp = h.add(client, fam.mai, KHOI)
    finally:
        rt.registry = real
    assert_problem(resp, 503, "registry_unavailable")
    assert resp.headers["Retry-After"]
    assert _count(session) == 0


def test_two_guardians_both_see_the_child_and_nobody_else_does(client, session, fam):
    mai_dep = h.add(client, fam.mai, KHOI).get_json()["id"]
    hung_dep = h.add(client, fam.hung, KHOI).get_json()["id"]
    assert mai_dep != hung_dep
    for headers, dep in ((fam.mai, mai_dep), (fam.hung, hung_dep)):
        assert client.get(f"{API}/me/dependants/{dep}/card", headers=headers).get_json()["card_number"] == fam.khoi_card
    # Bình (and Hùng with Mai's id) get 404 for every path of someone else's dependant: nothing leaks.
    for headers, dep in ((fam.binh, mai_dep), (fam.hung, mai_dep), (fam.mai, hung_dep)):
        for path in ("card", "card-checks"):
            assert_problem(client.get(f"{API}/me/dependants/{dep}/{path}", headers=headers), 404, "not_found")
        assert_problem(client.delete(f"{API}/me/dependants/{dep}", headers=headers), 404, "not_found")
    assert client.get(f"{API}/me/dependants", headers=fam.binh).get_json()["total"] == 0
    assert _count(session) == 2


def test_removal_by_the_guardian_leaves_the_other_guardian(client, session, fam):
    mai_dep = h.add(client, fam.mai, KHOI).get_json()["id"]
    h.add(client, fam.hung, KHOI)
    resp = client.delete(f"{API}/me/dependants/{mai_dep}", headers=fam.mai)
    assert resp.status_code == 204
    assert client.get(f"{API}/me/dependants", headers=fam.mai).get_json()["total"] == 0
    assert client.get(f"{API}/me/dependants", headers=fam.hung).get_json()["total"] == 1
    assert_problem(client.delete(f"{API}/me/dependants/{mai_dep}", headers=fam.mai), 404, "not_found")
    assert _count(session, AuditEvent, action="dependant.removed") == 1


def test_a_child_who_turns_18_leaves_the_guardians_view(client, session, frozen_clock, fam):
    teen = {"cccd": "001208000303", "full_name": "Trần Văn Tú", "date_of_birth": datetime(2008, 11, 26).date(),
            "gender": "male"}
    h.registry(session, teen, mother_cccd=MAI["cccd"])
    dep = h.add(client, fam.mai, teen).get_json()["id"]  # 17 today (25 Nov 2026)
    assert client.get(f"{API}/me/dependants", headers=fam.mai).get_json()["total"] == 1
    frozen_clock.set(datetime(2026, 11, 25, 16, 59, tzinfo=UTC))  # 23:59 in Vietnam: still 17
    assert client.get(f"{API}/me/dependants", headers=fam.mai).get_json()["total"] == 1
    frozen_clock.set(datetime(2026, 11, 25, 17, 0, tzinfo=UTC))  # 26 Nov in Vietnam: 18
    assert client.get(f"{API}/me/dependants", headers=fam.mai).get_json()["total"] == 0
    assert_problem(client.get(f"{API}/me/dependants/{dep}/card", headers=fam.mai), 404, "not_found")
    assert_problem(client.delete(f"{API}/me/dependants/{dep}", headers=fam.mai), 404, "not_found")


def test_born_29_february_turns_18_on_1_march():
    from datetime import date

    from services.dependants import is_minor

    born = date(2008, 2, 29)
    assert is_minor(born, date(2026, 2, 28)) and not is_minor(born, date(2026, 3, 1))
    assert not is_minor(date(2008, 2, 28), date(2026, 2, 28))
    assert not is_minor(date(2027, 1, 1), date(2026, 2, 28))  # not born yet


def test_other_roles_are_refused(app, session, client, fam):
    _, off = f.officer(app, session)
    _, clinic = f.clinic(app, session, staff=h.STAFF)
    for headers, status, code in ((off, 403, "forbidden"), (clinic, 403, "forbidden"), ({}, 401, "unauthorized")):
        assert_problem(client.get(f"{API}/me/dependants", headers=headers), status, code)
        assert_problem(h.add(client, headers, KHOI), status, code)


def test_my_data_export_lists_my_dependants_only(client, fam):
    h.add(client, fam.mai, KHOI)
    mine = client.get(f"{API}/me/data", headers=fam.mai).get_json()
    assert [d["child_cccd"] for d in mine["dependants"]] == [KHOI["cccd"]]
    assert client.get(f"{API}/me/data", headers=fam.binh).get_json()["dependants"] == []
