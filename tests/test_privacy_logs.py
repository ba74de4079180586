"""No personal data or secret in the logs (issue 7 item 6; CONTRACT privacy duties).

The main flows run with the root logger at DEBUG (so SQLAlchemy logs every statement with its
parameters) and a capturing handler installed on the root logger before the app is made, which is
how `privacy.configure_logging` finds the handlers it puts MaskingFilter on. Werkzeug's access lines
come from a real development server; gunicorn's from its own access logger. Then no full CCCD,
phone number (09…, +849…, 849…), BHXH code, card number, OTP, password, token or client secret used
in the flows may appear in the captured text.
"""
from __future__ import annotations

import io
import json
import logging
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from models import InsuredPerson
from privacy import MaskingFilter
from tests import factories
from tests.api.employer import helpers as emp
from tests.api.links.helpers import an_in_registry_and_insured
from tests.api.links.helpers import body as link_body
from tests.conftest import _clean

API = "/api/v1"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CITIZEN = {"phone": "0912345678", "password": "Hoa-sen-nở-2024", "new_password": "Một-mật-khẩu-mới-99",
           "name": "Nguyễn Văn An"}
OTHER = {"phone": "0933444555", "password": "Sông-Hồng-chảy-77", "name": "Trần Văn Bảo"}
OFFICER = {"phone": "0987654321", "password": "Cán-bộ-giám-định-88", "name": "Trần Thị Bình"}
STAFF = ("079090000123", "Phạm Văn Dũng")
FORMAT = "%(levelname)s %(name)s: %(message)s"


class Secrets:
    """Everything the flows used that must not reach a log."""

    def __init__(self) -> None:
        self.values: dict[str, set[str]] = {}

    def add(self, kind: str, *values) -> None:
        for value in values:
            if value:
                self.values.setdefault(kind, set()).add(str(value))

    def phone(self, local: str) -> None:
        self.add("phone", local, "+84" + local[1:], "84" + local[1:])

    def found_in(self, text: str) -> dict[str, list[str]]:
        found = {}
        for kind, values in self.values.items():
            # OTP codes are short: only a whole 6-digit token counts, not digits inside an id.
            hits = [v for v in values if (re.search(rf"(?<![0-9A-Za-z]){re.escape(v)}(?![0-9A-Za-z])", text)
                                          if kind == "otp" else v in text)]
            if hits:
                found[kind] = sorted(hits)
        return found


@pytest.fixture
def captured():
    """A DEBUG handler on the root logger, there before the app is made (as a deployment's is)."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    # SQLAlchemy keeps its loggers at WARN unless told otherwise; an operator chasing a problem turns
    # them up, and then every statement, its parameters and the rows it returned are logged.
    engine_log = logging.getLogger("sqlalchemy.engine")
    levels = (root.level, engine_log.level)
    root.addHandler(handler)
    engine_log.setLevel(logging.DEBUG)
    yield buf, handler
    root.removeHandler(handler)
    root.setLevel(levels[0])
    engine_log.setLevel(levels[1])


@pytest.fixture
def app(app_config, captured):
    """The app at LOG_LEVEL=DEBUG, made after the capturing handler exists."""
    from app import create_app
    from auth import passwords

    passwords.configure(fast=True)
    application = create_app({**app_config, "LOG_LEVEL": "DEBUG"})
    assert any(isinstance(f, MaskingFilter) for f in captured[1].filters)
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
    yield application
    application.extensions["db"].dispose()
    _clean(app_config["DATABASE_URL"])


@pytest.fixture
def store(app):
    sess = app.extensions["db"].factory()
    yield sess
    sess.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    return resp.get_json() if resp.is_json and resp.data else {}


def _code(outbox, secrets: Secrets) -> str:
    code = outbox.last_code()
    secrets.add("otp", code)
    return code


def run_main_flows(app, client, runner, outbox, store, secrets: Secrets) -> None:
    secrets.phone(CITIZEN["phone"])
    secrets.phone(OTHER["phone"])
    secrets.phone(OFFICER["phone"])
    secrets.add("password", CITIZEN["password"], CITIZEN["new_password"], OTHER["password"], OFFICER["password"])
    # Register + verify (the 09… form), login + verify (the 849… form), refresh.
    ch = _ok(client.post(f"{API}/auth/register", json={"phone": CITIZEN["phone"], "password": CITIZEN["password"],
                                                       "full_name": CITIZEN["name"]}), 202)
    reg = _ok(client.post(f"{API}/auth/register/verify",
                          json={"challenge_id": ch["challenge_id"], "otp": _code(outbox, secrets)}), 201)
    secrets.add("token", reg["access_token"], reg["refresh_token"])
    ch = _ok(client.post(f"{API}/auth/login", json={"phone": "84" + CITIZEN["phone"][1:],
                                                    "password": CITIZEN["password"]}), 202)
    pair = _ok(client.post(f"{API}/auth/login/verify",
                           json={"challenge_id": ch["challenge_id"], "otp": _code(outbox, secrets)}))
    secrets.add("token", pair["access_token"], pair["refresh_token"])
    pair = _ok(client.post(f"{API}/auth/refresh", headers=bearer(pair["refresh_token"])))
    secrets.add("token", pair["access_token"], pair["refresh_token"])
    citizen = bearer(pair["access_token"])
    # A wrong code and a wrong password are logged about, if at all, without the values.
    ch = _ok(client.post(f"{API}/auth/login", json={"phone": "+84" + CITIZEN["phone"][1:],
                                                    "password": CITIZEN["password"]}), 202)
    wrong = f"{(int(_code(outbox, secrets)) + 1) % 1_000_000:06d}"
    secrets.add("otp", wrong)
    _ok(client.post(f"{API}/auth/login/verify", json={"challenge_id": ch["challenge_id"], "otp": wrong}), 400)
    _ok(client.post(f"{API}/auth/login", json={"phone": CITIZEN["phone"], "password": "Sai-mật-khẩu-1"}), 401)
    secrets.add("password", "Sai-mật-khẩu-1")
    # Link, then the card and its QR.
    an_in_registry_and_insured(store)
    secrets.add("cccd", "001095012345")
    secrets.add("bhxh", "0123456789")
    linked = _ok(client.post(f"{API}/me/link", json=link_body(), headers=citizen))
    assert linked["status"] == "linked"
    person = store.scalars(select(InsuredPerson).where(InsuredPerson.bhxh_code == "0123456789")).one()
    card = factories.card(store, person, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    secrets.add("card", card.card_number)
    my_card = _ok(client.get(f"{API}/me/card", headers=citizen))
    secrets.add("token", my_card["qr"])
    _ok(client.get(f"{API}/me/card/qr.svg", headers=citizen))
    _ok(client.get(f"{API}/me/card-checks", headers=citizen))
    # Another citizen whose record needs an officer's review; the officer made by the CLI.
    factories.registry_record(store, cccd="001090000002", full_name=OTHER["name"], date_of_birth=date(1990, 7, 1))
    factories.person(store, bhxh_code="0223456789", full_name="Tran Van Bao", date_of_birth=date(1990, 7, 1))
    secrets.add("cccd", "001090000002")
    secrets.add("bhxh", "0223456789")
    _, other = factories.citizen(app, store, phone="+84" + OTHER["phone"][1:], full_name=OTHER["name"])
    secrets.add("token", other["Authorization"].split()[1])
    review = _ok(client.post(f"{API}/me/link", headers=other, json={
        "cccd": "001090000002", "bhxh_code": "0223456789", "full_name": OTHER["name"], "date_of_birth": "1990-07-01",
        "gender": "male", "consent": True}), 202)
    result = runner.invoke(args=["officers", "create", "--phone", OFFICER["phone"], "--password", OFFICER["password"],
                                 "--name", OFFICER["name"]])
    assert result.exit_code == 0, result.output
    ch = _ok(client.post(f"{API}/auth/login", json={"phone": OFFICER["phone"], "password": OFFICER["password"]}), 202)
    off = _ok(client.post(f"{API}/auth/login/verify",
                          json={"challenge_id": ch["challenge_id"], "otp": _code(outbox, secrets)}))
    secrets.add("token", off["access_token"], off["refresh_token"])
    officer = bearer(off["access_token"])
    _ok(client.get(f"{API}/officer/link-reviews", headers=officer))
    _ok(client.post(f"{API}/officer/link-reviews/{review['review_id']}/approve", json={"note": "khớp"},
                    headers=officer))
    # Clients made by the CLI; their secrets traded at /oauth/token (form and HTTP Basic).
    made = runner.invoke(args=["clients", "create", "clinic", "--facility-code", "01001", "--name", "Bạch Mai"])
    assert made.exit_code == 0, made.output
    clinic_cred = json.loads(made.output.strip().splitlines()[-1])
    assert runner.invoke(args=["clients", "add-staff", clinic_cred["client_id"], "--cccd", STAFF[0],
                               "--name", STAFF[1]]).exit_code == 0
    secrets.add("cccd", STAFF[0])
    made = runner.invoke(args=["clients", "create", "employer", "--unit-code", "TE3964E", "--province", "01",
                               "--name", "Công ty An Phát"])
    employer_cred = json.loads(made.output.strip().splitlines()[-1])
    secrets.add("client_secret", clinic_cred["client_secret"], employer_cred["client_secret"])
    tok = _ok(client.post(f"{API}/oauth/token", data={"grant_type": "client_credentials", **clinic_cred}))
    clinic = bearer(tok["access_token"])
    tok = _ok(client.post(f"{API}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(employer_cred["client_id"], employer_cred["client_secret"])))
    employer = bearer(tok["access_token"])
    secrets.add("token", clinic["Authorization"].split()[1], tok["access_token"])
    # Clinic checks: by card number, by CCCD (with spaces), by BHXH code, by QR; the gateway (JSON and form).
    who = {"full_name": CITIZEN["name"], "date_of_birth": "1995-03-05", "staff_cccd": STAFF[0], "staff_name": STAFF[1]}
    for identifier in (card.card_number, "0010 9501 2345", "001-095-012-345", "0123456789"):
        assert _ok(client.post(f"{API}/clinic/card-checks", json={"identifier": identifier, **who},
                               headers=clinic))["result_code"] == "000"
    assert _ok(client.post(f"{API}/clinic/card-checks", json={"qr": my_card["qr"], "staff_cccd": STAFF[0],
                                                              "staff_name": STAFF[1]}, headers=clinic))["result_code"] == "000"
    gw = {"maThe": card.card_number, "hoTen": CITIZEN["name"], "ngaySinh": "05/03/1995", "hoTenCb": STAFF[1],
          "cccdCb": STAFF[0]}
    assert _ok(client.post("/api/egw/KQNhanLichSuKCB2024", json=gw, headers=clinic))["maKetQua"] == "000"
    assert _ok(client.post("/api/egw/KQNhanLichSuKCB2024", data=gw, headers=clinic))["maKetQua"] == "000"
    _ok(client.get(f"{API}/cards/revoked?since=2026-01-01T00:00:00Z", headers=clinic))
    # Enrollment (CSV and JSON, with phones), the unit's employees, a termination, a revocation.
    factories.facility(store, emp.FACILITY)
    rows = [emp.person_row(i, phone=f"09{70000000 + i:08d}") for i in range(4)]
    emp.register(store, rows)
    for r in rows:
        secrets.add("cccd", r["cccd"])
        secrets.phone(r["phone"])
    a = _ok(emp.enroll(client, employer, emp.to_csv(rows[:2]), csv_body=True))
    b = _ok(emp.enroll(client, employer, rows[2:]))
    for res in a["results"] + b["results"]:
        assert res["status"] == "enrolled", res
        secrets.add("bhxh", res["bhxh_code"])
        secrets.add("card", res["card_number"])
    _ok(client.get(f"{API}/employer/employees", headers=employer))
    _ok(client.get(f"{API}/employer/enrollments/{a['batch_id']}", headers=employer))
    _ok(emp.terminate(client, employer, [{"cccd": rows[0]["cccd"], "end_month": "2026-11", "reason": "stopped"},
                                         {"bhxh_code": b["results"][0]["bhxh_code"], "end_month": "2026-12",
                                          "reason": "transfer_out_of_province"}]))
    _ok(client.post(f"{API}/officer/cards/{a['results'][1]['card_number']}/revoke", json={"reason": "mất thẻ"},
                    headers=officer))
    _ok(client.get(f"{API}/me/participation", headers=citizen))
    # Password reset (revokes every session), then logout of the new one.
    ch = _ok(client.post(f"{API}/auth/password/forgot", json={"phone": CITIZEN["phone"]}), 202)
    _ok(client.post(f"{API}/auth/password/reset", json={"challenge_id": ch["challenge_id"], "otp": _code(outbox, secrets),
                                                        "new_password": CITIZEN["new_password"]}), 204)
    ch = _ok(client.post(f"{API}/auth/login", json={"phone": CITIZEN["phone"], "password": CITIZEN["new_password"]}),
             202)
    pair = _ok(client.post(f"{API}/auth/login/verify",
                           json={"challenge_id": ch["challenge_id"], "otp": _code(outbox, secrets)}))
    secrets.add("token", pair["access_token"], pair["refresh_token"])
    _ok(client.post(f"{API}/auth/logout", headers=bearer(pair["access_token"])), 204)


def test_main_flows_leave_no_personal_data_or_secret_in_the_logs(app, client, runner, outbox, store, captured,
                                                                frozen_clock):
    frozen_clock.set(NOW)
    secrets = Secrets()
    run_main_flows(app, client, runner, outbox, store, secrets)
    text = captured[0].getvalue()
    # The capture saw the flows (SQL with parameters at DEBUG, the SMS adapter), so silence is not luck.
    assert "sqlalchemy.engine" in text and "INSERT INTO accounts" in text and "integrations.sms" in text
    assert len(secrets.values["otp"]) >= 6 and len(secrets.values["cccd"]) >= 7
    assert secrets.found_in(text) == {}


def test_werkzeug_access_lines_are_masked(app, captured, store):
    """The development server logs every request line, query string and path included."""
    from werkzeug.serving import make_server

    _, headers = factories.officer(app, store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        requests.post(f"{base}{API}/officer/cards/DN4010123456789/revoke", json={"reason": "x"}, headers=headers,
                      timeout=5)
        requests.get(f"{base}{API}/me?phone=0912345678&cccd=001095012345&otp=123456", timeout=5)
        requests.get(f"{base}/healthz", headers={"Authorization": headers["Authorization"]}, timeout=5)
    finally:
        server.shutdown()
        thread.join(5)
    text = captured[0].getvalue()
    assert "werkzeug" in text and "/healthz" in text
    secrets = Secrets()
    secrets.phone("0912345678")
    secrets.add("cccd", "001095012345")
    secrets.add("card", "DN4010123456789")
    secrets.add("otp", "123456")
    secrets.add("token", headers["Authorization"].split()[1])
    assert secrets.found_in(text) == {}


def test_gunicorn_access_lines_are_masked(app_config, captured):
    """gunicorn's access logger does not propagate: configure_logging puts the filter on its handlers."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from app import create_app

    cfg = Config()
    cfg.set("accesslog", "-")
    glog = Logger(cfg)
    access = logging.getLogger("gunicorn.access")
    out = io.StringIO()
    for handler in access.handlers:
        handler.setStream(out)
    assert access.propagate is False
    app = create_app({**app_config, "LOG_LEVEL": "DEBUG"})
    try:
        environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/api/v1/officer/cards/DN4010123456789/revoke?phone=0912345678",
                   "PATH_INFO": "/api/v1/officer/cards/DN4010123456789/revoke", "QUERY_STRING": "phone=0912345678",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1", "HTTP_USER_AGENT": "HIS/1.0"}

        class Resp:
            status, sent, headers = "200 OK", 12, [("Content-Type", "application/json")]

        glog.access(Resp(), [("AUTHORIZATION", "Bearer abc")], environ, timedelta(milliseconds=3))
        line = out.getvalue()
        assert "POST /api/v1/officer/cards/" in line
        assert "DN4010123456789" not in line and "0912345678" not in line
    finally:
        app.extensions["db"].dispose()
        for handler in list(access.handlers):
            access.removeHandler(handler)
        for handler in list(logging.getLogger("gunicorn.error").handlers):
            logging.getLogger("gunicorn.error").removeHandler(handler)


# --- paths the filter does not cover ---------------------------------------------------------------------

def _boom_with_cccd(app):
    """A view that fails with personal data in the exception message, as a driver error does
    (SQLAlchemy puts the statement's parameters in the text of its exceptions)."""
    @app.get("/boom")
    def boom():
        raise RuntimeError("(psycopg.DataError) [parameters: ('+84912345678', '001095012345')]")


def test_tracebacks_are_masked(app, client, captured):
    _boom_with_cccd(app)
    root = logging.getLogger()
    others = [h for h in root.handlers if h is not captured[1]]
    for h in others:  # pytest's own capture handlers would format (and so fill exc_text) first
        root.removeHandler(h)
    try:
        assert client.get("/boom").status_code == 500
    finally:
        for h in others:
            root.addHandler(h)
    text = captured[0].getvalue()
    assert "RuntimeError" in text
    assert "001095012345" not in text and "+84912345678" not in text


def test_a_handler_added_later_below_the_root_sees_masked_records(app, client, captured, outbox):
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    engine_log.addHandler(handler)
    try:
        client.post(f"{API}/auth/register", json={"phone": "0912345678", "password": CITIZEN["password"],
                                                   "full_name": CITIZEN["name"]})
    finally:
        engine_log.removeHandler(handler)
    assert "accounts" in late.getvalue()
    assert "+84912345678" not in late.getvalue()


def test_a_handler_added_later_on_the_root_sees_masked_records(app, client, captured):
    """Records reach root handlers in order: the masking one (there first) rewrites the record in place."""
    late = io.StringIO()
    handler = logging.StreamHandler(late)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        client.post(f"{API}/auth/login", json={"phone": "0912345678", "password": CITIZEN["password"]})
    finally:
        root.removeHandler(handler)
    assert "accounts" in late.getvalue() and "+84912345678" not in late.getvalue()


RUNTIME_LOGGERS = ("app", "api", "auth", "services", "integrations", "cli", "db", "privacy", "werkzeug", "flask",
                   "sqlalchemy", "urllib3", "requests", "flask_limiter", "limits", "redis", "psycopg", "gunicorn")


def test_loggers_that_do_not_propagate_are_known(app):
    """Of the loggers the service uses at run time only gunicorn's do not propagate (and configure_logging
    covers them, above); a new one must be looked at, since root's masking handler never sees it."""
    quiet = sorted(name for name, lg in logging.Logger.manager.loggerDict.items()
                   if isinstance(lg, logging.Logger) and not lg.propagate and name.split(".")[0] in RUNTIME_LOGGERS)
    assert set(quiet) <= {"gunicorn.access", "gunicorn.error"}, quiet
