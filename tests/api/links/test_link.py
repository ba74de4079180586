"""POST /me/link and GET /me/link: the eight rules of CONTRACT §3, in order."""
from __future__ import annotations

import socket
from datetime import date

import pytest
from sqlalchemy import select

from integrations.registry import HttpRegistry
from models import AuditEvent, Consent, InsuredPerson, LinkRequest, RegistryRecord
from services.linking import CONSENT_TEXT_VERSION
from tests import factories
from tests.conftest import assert_problem

from .helpers import URL, an_in_registry_and_insured, body, counts


@pytest.fixture
def citizen(app, session):
    return factories.citizen(app, session)


# --- who may call -------------------------------------------------------------------------------

def test_anonymous_is_401(client):
    assert_problem(client.get(URL), 401, "unauthorized")
    assert_problem(client.post(URL, json=body()), 401, "unauthorized")


def test_officer_is_403(app, client, session):
    _, headers = factories.officer(app, session)
    assert_problem(client.get(URL, headers=headers), 403, "forbidden")
    assert_problem(client.post(URL, json=body(), headers=headers), 403, "forbidden")


def test_clinic_token_is_403(app, client, session):
    _, headers = factories.clinic(app, session)
    assert_problem(client.post(URL, json=body(), headers=headers), 403, "forbidden")


# --- rule 1: schema and consent -----------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"cccd": "00109501234"}, "cccd"),                      # 11 digits
    ({"cccd": "00109501234a"}, "cccd"),                     # not digits
    ({"cccd": "100095012345"}, "cccd"),                     # domain.md §8: bad province code
    ({"cccd": "003095012345"}, "cccd"),                     # 003 is no province
    ({"cccd": "001195012345"}, "cccd"),                     # digit 4 = 1: female 1900s, record says male
    ({"cccd": "001295012345"}, "cccd"),                     # digit 4 = 2: born in the 2000s
    ({"cccd": "001094012345"}, "cccd"),                     # digits 5-6 = 94, born 1995
    ({"gender": "female"}, "cccd"),                         # 001095… is a man's number
    ({"gender": "nam"}, "gender"),
    ({"date_of_birth": "05/03/1995"}, "date_of_birth"),
    ({"date_of_birth": "1995-02-30"}, "date_of_birth"),
    ({"date_of_birth": "2999-01-01", "cccd": "001099012345"}, "date_of_birth"),
    ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
    ({"bhxh_code": "012345678"}, "bhxh_code"),
    ({"bhxh_code": "012345678X"}, "bhxh_code"),
    ({"full_name": "   "}, "full_name"),
    ({"full_name": "A" * 201}, "full_name"),
    ({"full_name": 12}, "full_name"),
    ({"cccd": 1095012345}, "cccd"),
    ({"unexpected": "x"}, "unexpected"),
])
def test_bad_fields_are_422_validation_error(client, citizen, changes, field):
    problem = assert_problem(client.post(URL, json=body(**changes), headers=citizen[1]), 422, "validation_error")
    assert field in problem["errors"], problem


@pytest.mark.parametrize("missing", ["cccd", "full_name", "date_of_birth", "gender"])
def test_missing_field_is_422(client, citizen, missing):
    data = body()
    del data[missing]
    problem = assert_problem(client.post(URL, json=data, headers=citizen[1]), 422, "validation_error")
    assert missing in problem["errors"]


@pytest.mark.parametrize("consent", [False, None, "true", 1, "yes"])
def test_consent_must_be_true(client, citizen, consent):
    problem = assert_problem(client.post(URL, json=body(consent=consent), headers=citizen[1]), 422, "consent_required")
    assert "consent" in problem["errors"]


def test_consent_left_out_wins_over_other_errors(client, citizen):
    data = body(cccd="100095012345")
    del data["consent"]
    problem = assert_problem(client.post(URL, json=data, headers=citizen[1]), 422, "consent_required")
    assert set(problem["errors"]) == {"consent", "cccd"}


@pytest.mark.parametrize("cccd, dob, gender", [
    ("001095012345", "1995-03-05", "male"),     # domain.md §8: Hà Nội, male, 1995
    ("038180000123", "1980-11-20", "female"),   # Thanh Hóa, 1980: digit 4 = 1 is female (domain.md says male)
    ("079203004567", "2003-07-14", "male"),     # HCMC, 2003: digit 4 = 2 is male (see docs/linking.md)
    ("079303004567", "2003-07-14", "female"),   # the same year as a woman
    ("002185000001", "1985-01-01", "female"),   # Hà Giang (pre-merger code) still valid
    ("097090000001", "1990-01-01", "male"),     # 097: BQP
])
def test_valid_identifiers_pass_schema(client, citizen, cccd, dob, gender):
    resp = client.post(URL, json=body(cccd=cccd, date_of_birth=dob, gender=gender), headers=citizen[1])
    assert_problem(resp, 422, "registry_mismatch")  # got past rule 1


def test_malformed_json_is_422(client, citizen):
    resp = client.post(URL, data="{", content_type="application/json", headers=citizen[1])
    assert_problem(resp, 422, "validation_error")


# --- rule 2: registry -----------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"full_name": "Nguyen Van An"},          # diacritics are significant
    {"full_name": "Nguyễn Văn Ân"},
    {"date_of_birth": "1995-03-06"},
    {"cccd": "001095099999"},                # unknown to the registry
])
def test_registry_mismatch_names_no_field(client, session, citizen, changes):
    an_in_registry_and_insured(session)
    problem = assert_problem(client.post(URL, json=body(**changes), headers=citizen[1]), 422, "registry_mismatch")
    assert "errors" not in problem
    for word in ("name", "date", "birth", "gender", "cccd"):
        assert word not in problem["detail"].lower()


def test_registry_mismatch_on_gender(client, session, citizen):
    """Digit 4 ties a CCCD to a gender, so only a registry row that disagrees with it can differ here."""
    an_in_registry_and_insured(session)
    session.get(RegistryRecord, "001095012345").gender = "female"
    session.commit()
    problem = assert_problem(client.post(URL, json=body(), headers=citizen[1]), 422, "registry_mismatch")
    assert "errors" not in problem


def test_mismatch_is_audited_with_consent(client, session, citizen):
    an_in_registry_and_insured(session)
    client.post(URL, json=body(full_name="Nguyen Van An"), headers=citizen[1])
    events = session.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["link.refused"]
    assert events[0].detail["outcome"] == "registry_mismatch"
    assert events[0].detail["cccd"] == "********2345"
    assert events[0].actor_type == "account" and events[0].actor_id == str(citizen[0].id)


# --- rule 3: record ---------------------------------------------------------------------------------

def test_no_record_by_bhxh_code_is_404(client, session, citizen):
    an_in_registry_and_insured(session)
    resp = client.post(URL, json=body(bhxh_code="7937368040"), headers=citizen[1])
    assert_problem(resp, 404, "insurance_record_not_found")


def test_no_record_carrying_the_cccd_is_404(client, session, citizen):
    an_in_registry_and_insured(session)  # record exists but carries no CCCD
    data = body()
    del data["bhxh_code"]
    assert_problem(client.post(URL, json=data, headers=citizen[1]), 404, "insurance_record_not_found")


def test_record_found_by_cccd_when_bhxh_code_left_out(client, session, citizen):
    an_in_registry_and_insured(session, cccd="001095012345")
    data = body()
    del data["bhxh_code"]
    resp = client.post(URL, json=data, headers=citizen[1])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["bhxh_code"] == "0123456789"


# --- rule 4: conflicts --------------------------------------------------------------------------------

def test_record_with_another_cccd_is_409(client, session, citizen):
    an_in_registry_and_insured(session, cccd="001095099999")
    assert_problem(client.post(URL, json=body(), headers=citizen[1]), 409, "already_linked")


def test_record_linked_to_another_account_is_409(app, client, session, citizen):
    other = factories.account(session, phone="+84911111111")
    p = an_in_registry_and_insured(session)
    p.account_id = other.id
    session.commit()
    assert_problem(client.post(URL, json=body(), headers=citizen[1]), 409, "already_linked")


def test_cccd_on_another_record_is_409(client, session, citizen):
    an_in_registry_and_insured(session)
    factories.person(session, bhxh_code="7937368040", cccd="001095012345")
    assert_problem(client.post(URL, json=body(), headers=citizen[1]), 409, "already_linked")


def test_account_linked_to_another_record_is_409(client, session, citizen):
    an_in_registry_and_insured(session)
    factories.person(session, bhxh_code="7937368040").account_id = citizen[0].id
    session.commit()
    assert_problem(client.post(URL, json=body(), headers=citizen[1]), 409, "already_linked")


# --- rule 5: linked ------------------------------------------------------------------------------------

def test_links_at_once(client, session, citizen, frozen_clock):
    an_in_registry_and_insured(session)
    resp = client.post(URL, json=body(full_name="  nguyễn   VĂN an "), headers=citizen[1])
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert answer["status"] == "linked" and answer["bhxh_code"] == "0123456789"
    assert answer["cccd"] == "001095012345" and answer["linked_at"].startswith(frozen_clock().isoformat()[:19])
    session.expire_all()
    person = session.scalar(select(InsuredPerson))
    assert person.cccd == "001095012345" and person.account_id == citizen[0].id
    consent = session.scalar(select(Consent))
    assert consent.purpose == "cccd_link" and consent.text_version == CONSENT_TEXT_VERSION
    assert consent.given_at == frozen_clock() and consent.account_id == citizen[0].id
    req = session.scalar(select(LinkRequest))
    assert req.status == "linked" and req.consent_id == consent.id
    assert [e.action for e in session.scalars(select(AuditEvent))] == ["link.linked"]
    status = client.get(URL, headers=citizen[1]).get_json()
    assert status == {"status": "linked", "bhxh_code": "0123456789", "cccd": "001095012345",
                      "review_id": None, "reason": None}


def test_repeat_of_a_done_link_is_200(client, session, citizen):
    an_in_registry_and_insured(session)
    first = client.post(URL, json=body(), headers=citizen[1])
    again = client.post(URL, json=body(), headers=citizen[1])
    assert again.status_code == 200 and again.get_json() == first.get_json()


# --- rule 6: pending review ----------------------------------------------------------------------------

@pytest.mark.parametrize("record", [
    {"full_name": "Nguyen Van An"}, {"date_of_birth": date(1995, 5, 3)}, {"gender": "female"}])
def test_record_differs_needs_review(client, session, citizen, record):
    an_in_registry_and_insured(session, **record)
    resp = client.post(URL, json=body(), headers=citizen[1])
    assert resp.status_code == 202, resp.get_json()
    answer = resp.get_json()
    assert answer["status"] == "pending_review" and isinstance(answer["review_id"], int)
    session.expire_all()
    assert session.scalar(select(InsuredPerson)).cccd is None  # nothing linked yet
    status = client.get(URL, headers=citizen[1]).get_json()
    assert status == {"status": "pending_review", "bhxh_code": "0123456789", "cccd": "001095012345",
                      "review_id": answer["review_id"], "reason": None}
    again = client.post(URL, json=body(), headers=citizen[1])
    assert again.status_code == 202 and again.get_json()["review_id"] == answer["review_id"]
    assert [e.action for e in session.scalars(select(AuditEvent))] == ["link.review_opened"]


# --- rule 7: registry down or slow -----------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_registry_down_is_503_and_writes_nothing(app, client, session, citizen):
    an_in_registry_and_insured(session)
    app.extensions["runtime"].registry = HttpRegistry(f"http://127.0.0.1:{_closed_port()}/", timeout=0.5,
                                                      retry_after=20)
    resp = client.post(URL, json=body(), headers=citizen[1])
    assert_problem(resp, 503, "registry_unavailable")
    assert resp.headers["Retry-After"] == "20"
    assert counts(session) == (0, 0, 0)
    assert session.scalar(select(InsuredPerson)).cccd is None


def test_registry_slow_is_503(app, client, session, citizen):
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            time.sleep(0.5)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        an_in_registry_and_insured(session)
        app.extensions["runtime"].registry = HttpRegistry(f"http://127.0.0.1:{server.server_port}/", timeout=0.1)
        resp = client.post(URL, json=body(), headers=citizen[1])
        assert_problem(resp, 503, "registry_unavailable")
        assert int(resp.headers["Retry-After"]) > 0
        assert counts(session) == (0, 0, 0)
    finally:
        time.sleep(0.5)
        server.server_close()


# --- rule 8: five attempts per hour -----------------------------------------------------------------------

def test_sixth_attempt_in_an_hour_is_429(client, session, citizen, frozen_clock):
    an_in_registry_and_insured(session)
    for _ in range(3):  # schema failures are not attempts
        client.post(URL, json=body(cccd="1"), headers=citizen[1])
    for i in range(5):
        frozen_clock.advance(minutes=1)
        resp = client.post(URL, json=body(full_name=f"Sai Tên {i}"), headers=citizen[1])
        assert_problem(resp, 422, "registry_mismatch")
    resp = client.post(URL, json=body(), headers=citizen[1])  # even the right details
    problem = assert_problem(resp, 429, "rate_limited")
    assert 0 < int(resp.headers["Retry-After"]) <= 3600 - 4 * 60
    assert problem["retry_after"] == int(resp.headers["Retry-After"])
    frozen_clock.advance(minutes=56)
    assert client.post(URL, json=body(), headers=citizen[1]).status_code == 200


def test_limit_is_per_account(app, client, session, citizen):
    an_in_registry_and_insured(session)
    for _ in range(5):
        client.post(URL, json=body(full_name="Sai"), headers=citizen[1])
    assert_problem(client.post(URL, json=body(), headers=citizen[1]), 429, "rate_limited")
    _, other = factories.citizen(app, session, phone="+84922222222")
    assert client.post(URL, json=body(), headers=other).status_code == 200


# --- ownership -----------------------------------------------------------------------------------------------

def test_a_never_sees_bs_link(app, client, session, citizen):
    an_in_registry_and_insured(session)
    _, b = factories.citizen(app, session, phone="+84933333333", full_name="Nguyễn Văn An")
    assert client.post(URL, json=body(), headers=b).status_code == 200
    assert client.get(URL, headers=citizen[1]).get_json()["status"] == "none"


def test_a_never_sees_bs_review(app, client, session, citizen):
    an_in_registry_and_insured(session, full_name="Nguyen Van An")
    _, b = factories.citizen(app, session, phone="+84933333333")
    assert client.post(URL, json=body(), headers=b).status_code == 202
    assert client.get(URL, headers=citizen[1]).get_json() == {
        "status": "none", "bhxh_code": None, "cccd": None, "review_id": None, "reason": None}
