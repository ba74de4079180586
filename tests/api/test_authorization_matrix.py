"""Who may call what (issue 7 item 2): every route in app.url_map called as each kind of caller, with
the exact status expected, plus object-level cases (someone else's card, review, batch, employee,
facility). A route that is added without a row here fails `test_every_route_is_in_the_matrix`.

Each row gets a fresh world (tests/api/authz_world.py); within a row the callers go in ROLES order,
so a call that changes state (logout, approve, revoke, enroll) is the only success of its row or
does not disturb the others.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from models import Card, Employment, InsuredPerson, LinkRequest
from tests.api import authz_world as w
from tests.api.authz_world import API, ROLES, World
from tests.api.employer import helpers as emp
from tests.conftest import assert_problem
from tests.factories import PASSWORD

EXCLUDED = {"/static/<path:filename>", "/docs", "/openapi.json"}
ANON, A, B, OFF, CLI, X, Y = ROLES


def _only(statuses: dict[str, int]) -> dict[str, int]:
    """These callers get these statuses; anonymous 401, every other token 403."""
    return {role: statuses.get(role, 401 if role == ANON else 403) for role in ROLES}


def everyone(status: int) -> dict[str, int]:
    return {role: status for role in ROLES}


def accounts(status_a: int, status_b: int | None = None, officer: int | None = None) -> dict[str, int]:
    """Citizen and officer tokens only (GET /me, TOTP, logout)."""
    return _only({A: status_a, B: status_b if status_b is not None else status_a,
                  OFF: officer if officer is not None else status_a})


def citizens(status_a: int, status_b: int | None = None) -> dict[str, int]:
    return _only({A: status_a, B: status_b if status_b is not None else status_a})


def officers(status: int) -> dict[str, int]:
    return _only({OFF: status})


def clinics(status: int) -> dict[str, int]:
    return _only({CLI: status})


def gateway_clinics(status: int) -> dict[str, int]:
    """The gateway's dialect: every caller but a clinic is 401 with maKetQua "401" (it has no 403)."""
    return {role: status if role == CLI else 401 for role in ROLES}


GATEWAY_PATHS = ("/api/egw/", "/api/token/")


def employers(status_x: int, status_y: int | None = None) -> dict[str, int]:
    return _only({X: status_x, Y: status_y if status_y is not None else status_x})


Body = Callable[[World, str], dict]


def json(value) -> Body:
    return lambda world, role: {"json": value(world, role) if callable(value) else value}


def _idem(body: Body) -> Body:
    def make(world, role):
        kw = body(world, role)
        kw["headers"] = {"Idempotency-Key": str(uuid.uuid4())}
        return kw
    return make


def _phone(role: str, base: int) -> str:
    return f"09{base + ROLES.index(role):08d}"


@dataclass(frozen=True)
class Row:
    method: str
    rule: str  # as app.url_map spells it
    path: Callable[[World], str]
    expected: dict[str, int]
    body: Body = lambda world, role: {}


def _revoked_since(world) -> str:
    return f"{API}/cards/revoked?since=2026-01-01T00:00:00Z"


MATRIX = [
    # --- public ---------------------------------------------------------------------------------------
    Row("GET", "/healthz", lambda _: "/healthz", everyone(200)),
    Row("GET", "/readyz", lambda _: "/readyz", everyone(200)),
    Row("GET", "/docs/assets/<path:name>", lambda _: "/docs/assets/swagger-ui.css", everyone(200)),
    Row("GET", "/docs/problems", lambda _: "/docs/problems", everyone(200)),
    Row("GET", "/.well-known/jwks.json", lambda _: "/.well-known/jwks.json", everyone(200)),
    Row("GET", f"{API}/.well-known/jwks.json", lambda _: f"{API}/.well-known/jwks.json", everyone(200)),
    Row("POST", f"{API}/auth/register", lambda _: f"{API}/auth/register", everyone(202),
        json(lambda world, role: {"phone": _phone(role, 31000000), "password": "Hoa-sen-nở-2024",
                                  "full_name": "Nguyễn Thị Mai"})),
    Row("POST", f"{API}/auth/register/verify", lambda _: f"{API}/auth/register/verify", everyone(404),
        json({"challenge_id": "nope", "otp": "123456"})),
    Row("POST", f"{API}/auth/login", lambda _: f"{API}/auth/login", everyone(401),
        json({"phone": "0909000000", "password": "Hoa-sen-nở-2024"})),
    Row("POST", f"{API}/auth/login/verify", lambda _: f"{API}/auth/login/verify", everyone(404),
        json({"challenge_id": "nope", "otp": "123456"})),
    Row("POST", f"{API}/auth/otp/resend", lambda _: f"{API}/auth/otp/resend", everyone(404),
        json({"challenge_id": "nope"})),
    # An access token (or none) is not a refresh token.
    Row("POST", f"{API}/auth/refresh", lambda _: f"{API}/auth/refresh", everyone(401)),
    Row("POST", f"{API}/auth/password/forgot", lambda _: f"{API}/auth/password/forgot", everyone(202),
        json(lambda world, role: {"phone": _phone(role, 32000000)})),
    Row("POST", f"{API}/auth/password/reset", lambda _: f"{API}/auth/password/reset", everyone(404),
        json({"challenge_id": "nope", "otp": "123456", "new_password": "Hoa-sen-nở-2024"})),
    Row("POST", f"{API}/oauth/token", lambda _: f"{API}/oauth/token", everyone(200),
        lambda world, role: {"data": {"grant_type": "client_credentials", "client_id": world.clinic_secret[0],
                                      "client_secret": world.clinic_secret[1]}}),
    # --- accounts (citizen or officer) -------------------------------------------------------------------
    Row("GET", f"{API}/me", lambda _: f"{API}/me", accounts(200)),
    Row("POST", f"{API}/me/totp", lambda _: f"{API}/me/totp", accounts(200), json({"password": PASSWORD})),
    Row("POST", f"{API}/me/totp/confirm", lambda _: f"{API}/me/totp/confirm", accounts(409),
        json({"otp": "123456", "password": PASSWORD})),
    Row("DELETE", f"{API}/me/totp", lambda _: f"{API}/me/totp", accounts(409), json({"password": PASSWORD})),
    Row("POST", f"{API}/auth/logout", lambda _: f"{API}/auth/logout", accounts(204)),
    # --- citizens ---------------------------------------------------------------------------------------
    Row("GET", f"{API}/me/link", lambda _: f"{API}/me/link", citizens(200)),
    Row("GET", f"{API}/me/notifications", lambda _: f"{API}/me/notifications", citizens(200)),
    Row("POST", f"{API}/me/notifications/<string:notification_id>/read",
        lambda _: f"{API}/me/notifications/{uuid.uuid4().hex}/read", citizens(404)),
    Row("POST", f"{API}/me/devices", lambda _: f"{API}/me/devices", citizens(201),
        json(lambda world, role: {"platform": "android", "token": f"fcm-token-{role}-" + "x" * 40})),
    Row("POST", f"{API}/me/link", lambda _: f"{API}/me/link", citizens(422),  # registry_mismatch
        json({"cccd": "001099000777", "full_name": "Không Có Ai", "date_of_birth": "1999-01-01",
              "gender": "male", "bhxh_code": "0999999999", "consent": True})),
    Row("GET", f"{API}/me/card", lambda _: f"{API}/me/card", citizens(200, 404)),
    Row("GET", f"{API}/me/card/qr.svg", lambda _: f"{API}/me/card/qr.svg", citizens(200, 404)),
    Row("GET", f"{API}/me/card/qr.png", lambda _: f"{API}/me/card/qr.png", citizens(200, 404)),
    Row("GET", f"{API}/me/card-checks", lambda _: f"{API}/me/card-checks", citizens(200, 404)),
    Row("GET", f"{API}/me/participation", lambda _: f"{API}/me/participation", citizens(200, 404)),
    Row("GET", f"{API}/me/data", lambda _: f"{API}/me/data", citizens(200)),
    # family (docs/family.md): someone else's dependant id is 404, like a missing one; object-level
    # cases (two guardians, a stranger) are in tests/api/family/test_dependants.py
    Row("GET", f"{API}/me/dependants", lambda _: f"{API}/me/dependants", citizens(200)),
    Row("POST", f"{API}/me/dependants", lambda _: f"{API}/me/dependants", citizens(422, 404),  # mismatch / not linked
        json({"cccd": "001224000999", "full_name": "Không Có Ai", "date_of_birth": "2024-01-01", "gender": "male"})),
    Row("DELETE", f"{API}/me/dependants/<string:dependant_id>", lambda _: f"{API}/me/dependants/nope", citizens(404)),
    Row("GET", f"{API}/me/dependants/<string:dependant_id>/card", lambda _: f"{API}/me/dependants/nope/card",
        citizens(404)),
    Row("GET", f"{API}/me/dependants/<string:dependant_id>/card-checks",
        lambda _: f"{API}/me/dependants/nope/card-checks", citizens(404)),
    Row("GET", f"{API}/me/household/contribution-quote", lambda _: f"{API}/me/household/contribution-quote",
        citizens(200, 404)),
    # --- officers ---------------------------------------------------------------------------------------
    Row("GET", f"{API}/officer/link-reviews", lambda _: f"{API}/officer/link-reviews", officers(200)),
    Row("POST", f"{API}/officer/link-reviews/<int:review_id>/approve",
        lambda world: f"{API}/officer/link-reviews/{world.b_review}/approve", officers(200), json({})),
    Row("POST", f"{API}/officer/link-reviews/<int:review_id>/reject",
        lambda world: f"{API}/officer/link-reviews/{world.b_review}/reject", officers(200),
        json({"reason": "Hồ sơ không khớp giấy khai sinh"})),
    Row("POST", f"{API}/officer/cards/<string:card_number>/revoke",
        lambda world: f"{API}/officer/cards/{world.a_card}/revoke", officers(200), json({"reason": "lost"})),
    # --- clinics ----------------------------------------------------------------------------------------
    Row("GET", f"{API}/cards/revoked", _revoked_since, clinics(200)),
    Row("POST", f"{API}/clinic/card-checks", lambda _: f"{API}/clinic/card-checks", clinics(200),
        json(lambda world, role: w.check_body(world.a_card, w.A_PERSON))),
    Row("POST", "/api/egw/KQNhanLichSuKCB2024", lambda _: "/api/egw/KQNhanLichSuKCB2024", gateway_clinics(200),
        json(lambda world, role: w.gateway_body(world.a_card, w.A_PERSON))),
    Row("POST", "/api/egw/Lskcb2025", lambda _: "/api/egw/Lskcb2025", gateway_clinics(200),
        json(lambda world, role: w.gateway_body(world.a_card, w.A_PERSON))),
    # --- visits (issue 14; object-level cases in tests/api/visits) ----------------------------------------
    Row("POST", f"{API}/clinic/visits", lambda _: f"{API}/clinic/visits", clinics(200),
        json(lambda world, role: {"visits": [w.visit_of(world.a_card, w.A_PERSON, f"LK-{role}")]})),
    Row("GET", f"{API}/clinic/visits/<string:ma_lk>", lambda _: f"{API}/clinic/visits/LK-none", clinics(404)),
    Row("GET", f"{API}/me/visits", lambda _: f"{API}/me/visits", citizens(200, 404)),
    Row("POST", "/api/qd130/guiHoSoXmlQD4750", lambda _: "/api/qd130/guiHoSoXmlQD4750", clinics(200),
        lambda world, role: {"data": w.visit_form(world.a_card, w.A_PERSON, f"LK-x-{role}")}),
    Row("POST", "/api/TraCuuCCT/TraCuuTienMCCT", lambda _: "/api/TraCuuCCT/TraCuuTienMCCT", clinics(200),
        json(lambda world, role: {"username": "01001_BV", "maThe": world.a_card, "hoTen": w.A_PERSON["full_name"],
                                  "ngaySinh": w.A_PERSON["date_of_birth"].strftime("%d/%m/%Y")})),
    # --- the birth-registration system (its own client kind; tests/api/family/test_births.py) ---------
    Row("POST", f"{API}/births", lambda _: f"{API}/births", _only({}), json({})),
    Row("POST", "/api/token/take", lambda _: "/api/token/take", everyone(200),
        json({"username": "01001_BV", "password": "0" * 32})),
    # --- employers --------------------------------------------------------------------------------------
    Row("POST", f"{API}/employer/enrollments", lambda _: f"{API}/employer/enrollments", employers(200),
        _idem(json(lambda world, role: {"employees": [emp.person_row(5)]}))),
    Row("POST", f"{API}/employer/terminations", lambda _: f"{API}/employer/terminations", employers(200),
        _idem(json(lambda world, role: {"employees": [
            {"cccd": world.x_employees[0]["cccd"], "end_month": "2026-11", "reason": "stopped"}]}))),
    Row("GET", f"{API}/employer/enrollments/<string:batch_id>",
        lambda world: f"{API}/employer/enrollments/{world.x_batch}", employers(200, 404)),
    Row("GET", f"{API}/employer/terminations/<string:batch_id>",
        lambda world: f"{API}/employer/terminations/{world.x_termination}", employers(200, 404)),
    Row("GET", f"{API}/employer/employees", lambda _: f"{API}/employer/employees", employers(200)),
    # --- the campaign (issue 18) --------------------------------------------------------------------------
    Row("POST", f"{API}/employer/identity-updates", lambda _: f"{API}/employer/identity-updates", employers(200),
        _idem(json(lambda world, role: {"employees": [{k: world.x_employees[0][k] for k in (
            "bhxh_code", "cccd", "full_name", "date_of_birth", "gender")}]}))),
    # An enrollment batch is no CCCD-update batch, for X and Y alike (object-level: test_identity_updates.py).
    Row("GET", f"{API}/employer/identity-updates/<string:batch_id>",
        lambda world: f"{API}/employer/identity-updates/{world.x_batch}", employers(404)),
    Row("GET", f"{API}/employer/coverage", lambda _: f"{API}/employer/coverage", employers(200)),
    Row("GET", f"{API}/officer/campaign", lambda _: f"{API}/officer/campaign", officers(200)),
]


@pytest.fixture
def world(app, client, session, frozen_clock) -> World:
    frozen_clock.set(w.NOW)
    return w.build(app, client, session)


def _routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule not in EXCLUDED
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_is_in_the_matrix(app):
    """A new endpoint must get a row, with the callers it lets in and the ones it keeps out."""
    table = [(row.method, row.rule) for row in MATRIX]
    assert len(table) == len(set(table)), "a route is in the matrix twice"
    assert _routes(app) - set(table) == set(), "routes without a row in MATRIX (add one with its guard)"
    assert set(table) - _routes(app) == set(), "rows for routes that no longer exist"


def test_every_row_names_every_caller():
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), row.rule


@pytest.mark.parametrize("row", MATRIX, ids=[f"{r.method} {r.rule}" for r in MATRIX])
def test_authorization_matrix(client, world, row):
    path = row.path(world)
    got = {}
    for role in ROLES:
        kw = row.body(world, role)
        headers = {**kw.pop("headers", {}), **world.headers[role]}
        resp = client.open(path, method=row.method, headers=headers, **kw)
        got[role] = resp.status_code
        if path.startswith(GATEWAY_PATHS):  # the gateway's own JSON answers (api/gateway/credentials.py)
            assert resp.status_code < 400 or resp.get_json()["maKetQua"] == str(resp.status_code), role
            continue
        if resp.status_code >= 400:
            assert resp.mimetype == "application/problem+json", (role, resp.mimetype)
        if resp.status_code == 401:
            # A missing token and a wrong role are told apart; a public endpoint's own 401 is not a guard's.
            assert resp.get_json()["code"] in ("unauthorized", "invalid_credentials"), resp.get_json()
        if resp.status_code == 403:
            assert resp.get_json()["code"] == "forbidden", resp.get_json()
    assert got == row.expected


# --- object level ---------------------------------------------------------------------------------------

def test_a_sees_only_her_own_card_link_and_checks(client, world):
    a, b = world.headers[A], world.headers[B]
    card = client.get(f"{API}/me/card", headers=a)
    assert card.status_code == 200 and card.get_json()["card_number"] == world.a_card
    assert card.get_json()["bhxh_code"] == w.A_PERSON["bhxh_code"]
    link = client.get(f"{API}/me/link", headers=a).get_json()
    assert link["status"] == "linked" and link["review_id"] is None and link["bhxh_code"] == "0200000001"
    checks = client.get(f"{API}/me/card-checks", headers=a).get_json()
    assert [i["check_id"] for i in checks["items"]] == world.a_check_ids and checks["total"] == 1
    # B is not linked: no card of anyone's, and his review is his alone.
    assert_problem(client.get(f"{API}/me/card", headers=b), 404, "not_linked")
    assert_problem(client.get(f"{API}/me/card-checks", headers=b), 404, "not_linked")
    b_link = client.get(f"{API}/me/link", headers=b).get_json()
    assert b_link["status"] == "pending_review" and b_link["review_id"] == world.b_review


def test_my_data_export_holds_only_my_data(client, world):
    a = client.get(f"{API}/me/data", headers=world.headers[A]).get_data(as_text=True)
    b = client.get(f"{API}/me/data", headers=world.headers[B]).get_data(as_text=True)
    assert world.a_card in a and w.A_PHONE in a and w.A_PERSON["cccd"] in a
    assert world.a_card not in b and w.A_PHONE not in b and w.A_PERSON["cccd"] not in b
    assert w.B_PHONE in b and w.B_PHONE not in a and "001095012345" not in a  # B's CCCD, in his review
    assert world.other_card not in a and world.other_card not in b


def test_citizen_cannot_decide_a_review_or_see_the_queue(client, session, world):
    for who in (A, B):  # B may not approve his own review either
        assert_problem(client.post(f"{API}/officer/link-reviews/{world.b_review}/approve", json={},
                                   headers=world.headers[who]), 403, "forbidden")
        assert_problem(client.get(f"{API}/officer/link-reviews", headers=world.headers[who]), 403, "forbidden")
    session.expire_all()
    assert session.get(LinkRequest, world.b_review).status == "pending_review"


def test_officer_is_let_in_on_officer_endpoints_only(client, world):
    off = world.headers[OFF]
    reviews = client.get(f"{API}/officer/link-reviews", headers=off).get_json()
    assert [i["id"] for i in reviews["items"]] == [world.b_review]
    for method, path in (("GET", "/me/card"), ("GET", "/me/link"), ("GET", "/me/card-checks"),
                         ("POST", "/clinic/card-checks"), ("GET", "/employer/employees"),
                         ("GET", f"/employer/enrollments/{world.x_batch}"),
                         ("GET", "/cards/revoked?since=2026-01-01T00:00:00Z")):
        assert_problem(client.open(API + path, method=method, headers=off, json={} if method == "POST" else None),
                       403, "forbidden")


def test_employer_y_cannot_see_x_batches_or_people(client, world):
    y, x = world.headers[Y], world.headers[X]
    assert_problem(client.get(f"{API}/employer/enrollments/{world.x_batch}", headers=y), 404, "not_found")
    assert_problem(client.get(f"{API}/employer/terminations/{world.x_termination}", headers=y), 404, "not_found")
    # The kinds are not mixed up either: an enrollment batch id is no termination batch.
    assert_problem(client.get(f"{API}/employer/terminations/{world.x_batch}", headers=x), 404, "not_found")
    listing = client.get(f"{API}/employer/employees", headers=y).get_json()
    assert listing["total"] == 0 and listing["items"] == []
    mine = client.get(f"{API}/employer/employees", headers=x).get_json()
    assert [i["cccd"] for i in mine["items"]] == [world.x_employees[0]["cccd"]]


def test_employer_y_cannot_terminate_x_employee(client, session, world):
    e1 = world.x_employees[0]
    for ident in ({"cccd": e1["cccd"]}, {"bhxh_code": e1["bhxh_code"]}):
        resp = emp.terminate(client, world.headers[Y], [{**ident, "end_month": "2026-11", "reason": "stopped"}])
        assert resp.status_code == 200, resp.get_json()
        answer = resp.get_json()
        assert (answer["terminated"], answer["rejected"]) == (0, 1)
        row = answer["results"][0]
        assert (row["status"], row["code"], row["bhxh_code"], row["card_number"]) == ("rejected", "not_employed",
                                                                                   None, None)
    session.expire_all()
    card = session.scalars(select(Card).where(Card.card_number == e1["card_number"])).one()
    assert card.status == "active"
    person = session.scalars(select(InsuredPerson).where(InsuredPerson.cccd == e1["cccd"])).one()
    assert session.scalars(select(Employment).where(Employment.person_id == person.id)).one().active


def test_clinic_of_another_facility_is_not_let_in_by_foreign_staff(client, world):
    other = world.other_clinic
    resp = client.post(f"{API}/clinic/card-checks", json=w.check_body(world.a_card, w.A_PERSON), headers=other)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["result_code"] == "054" and body["card"] is None and body["usable"] is False
    gw = client.post("/api/egw/KQNhanLichSuKCB2024", json=w.gateway_body(world.a_card, w.A_PERSON), headers=other)
    assert gw.status_code == 200 and gw.get_json()["maKetQua"] == "054" and gw.get_json()["hoTen"] is None
    # Its own staff get the answer.
    own = client.post(f"{API}/clinic/card-checks", json=w.check_body(world.a_card, w.A_PERSON, w.OTHER_STAFF),
                      headers=other)
    assert own.get_json()["result_code"] == "000"


def test_tokens_do_not_cross_between_citizens_and_clients(client, world):
    for who in (CLI, X, Y):
        for path in ("/me", "/me/card", "/me/link", "/me/participation"):
            assert_problem(client.get(API + path, headers=world.headers[who]), 403, "forbidden")
    for who in (A, B, OFF):
        assert_problem(client.post(f"{API}/clinic/card-checks", json=w.check_body(world.a_card, w.A_PERSON),
                                   headers=world.headers[who]), 403, "forbidden")
        gw = client.post("/api/egw/KQNhanLichSuKCB2024", json=w.gateway_body(world.a_card, w.A_PERSON),
                         headers=world.headers[who])
        assert (gw.status_code, gw.get_json()["maKetQua"]) == (401, "401")
        assert_problem(emp.enroll(client, world.headers[who], [emp.person_row(7)]), 403, "forbidden")
    # A clinic is not an employer, nor the reverse.
    assert_problem(client.get(f"{API}/employer/employees", headers=world.headers[CLI]), 403, "forbidden")
    assert_problem(client.post(f"{API}/clinic/card-checks", json=w.check_body(world.a_card, w.A_PERSON),
                               headers=world.headers[X]), 403, "forbidden")


# The role guard must run before the query string is read: a caller without the right token learns
# nothing about an endpoint's parameters, and gets the status the contract names (401 / 403).
GUARDED_QUERIES = [
    ("/me/card-checks?page=zero", A), ("/me/participation?per_page=1000", A),
    ("/cards/revoked", CLI), ("/employer/employees?page=-1", X),
]


@pytest.mark.parametrize("path,allowed", GUARDED_QUERIES)
def test_guard_runs_before_query_validation(client, world, path, allowed):
    same_role = {A: {A, B}, X: {X, Y}}.get(allowed, {allowed})  # B is a citizen too, Y an employer
    for role in ROLES:
        resp = client.get(API + path, headers=world.headers[role])
        if role in same_role:
            assert_problem(resp, 422, "validation_error")
        elif role == ANON:
            assert_problem(resp, 401, "unauthorized")
        else:
            assert_problem(resp, 403, "forbidden")
