"""Hostile use (issue 7 item 4): OTP brute force, SMS bombing, credential stuffing, oversized, deep
and huge bodies, wrong content types, unicode edge cases in names, SQL-looking input. Every answer is a
clear 4xx problem document (or the contract's own answer), never a 5xx, and nothing is stored for it.

Requests here get their own app context each, as in production (the shared `session` fixture keeps
one pushed, which makes every request of a test share one database session): data is arranged and
inspected through `store`, a plain session. Time moves with `frozen_clock`, never with sleeps.
"""
from __future__ import annotations

import io
import json
import unicodedata
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.auth.routes import LIMITS
from models import Account, Batch, CardCheck, Consent, Employment, LinkRequest, OtpChallenge
from tests import factories
from tests.api.employer import helpers as emp
from tests.api.links.helpers import an_in_registry_and_insured
from tests.api.links.helpers import body as link_body
from tests.auth.flows import API, NAME, PASSWORD

MiB = 1024 * 1024
SQLISH = ["' OR 1=1 --", "1; DROP TABLE accounts", "\" OR \"\"=\"", "0912345678' --"]

def _limit(name: str) -> int:
    return int(LIMITS[name].split("/")[0])


@pytest.fixture
def store(app):
    """A plain session (no app context kept pushed): arrange and inspect, commit what the app must see."""
    sess = app.extensions["db"].factory()
    yield sess
    sess.close()


def count(store, model) -> int:
    store.expire_all()
    return store.scalar(select(func.count()).select_from(model))


def outcome(resp) -> tuple[int, str | None]:
    assert resp.status_code < 500, resp.get_data(as_text=True)
    body = resp.get_json(silent=True) or {}
    if resp.status_code >= 400:
        assert resp.mimetype == "application/problem+json", resp.mimetype
        assert body["status"] == resp.status_code and body["title"] and body["type"]
    if resp.status_code == 429:
        assert 1 <= int(resp.headers["Retry-After"]) <= 3600 and body["retry_after"] == int(resp.headers["Retry-After"])
    return resp.status_code, body.get("code")


def register_start(client, phone: str, addr: str = "127.0.0.1", name: str = NAME):
    return client.post(f"{API}/auth/register", json={"phone": phone, "password": PASSWORD, "full_name": name},
                       environ_base={"REMOTE_ADDR": addr})


def verify(client, challenge_id: str, otp: str, purpose: str = "register", addr: str = "127.0.0.1"):
    path = "register/verify" if purpose == "register" else "login/verify"
    return client.post(f"{API}/auth/{path}", json={"challenge_id": challenge_id, "otp": otp},
                       environ_base={"REMOTE_ADDR": addr})


def wrong_codes(right: str):
    """An endless supply of codes that are not `right` (the attacker does not know it; we do)."""
    n = int(right)
    i = 0
    while True:
        i += 1
        yield f"{(n + i * 7919) % 1_000_000:06d}"


# --- OTP brute force -------------------------------------------------------------------------------------

def test_1000_guesses_at_one_challenge_get_nothing(client, outbox, store):
    resp = register_start(client, "0912000001")
    challenge_id = resp.get_json()["challenge_id"]
    right = outbox.last_code()
    wrong = wrong_codes(right)
    answers, attempts_left = Counter(), []
    for i in range(1000):
        guess = right if i in (5, 500, 999) else next(wrong)  # the right code, once the challenge is dead
        resp = verify(client, challenge_id, guess)
        answers[outcome(resp)] += 1
        if outcome(resp) == (400, "invalid_otp"):
            attempts_left.append(resp.get_json()["attempts_left"])
    assert answers == {(400, "invalid_otp"): 4, (400, "challenge_locked"): 996}
    assert attempts_left == [4, 3, 2, 1]
    assert count(store, Account) == 0
    assert store.get(OtpChallenge, challenge_id).locked


def _attack(client, outbox, start, purpose: str, guesses: int = 1000):
    """Guess codes; start a new challenge as soon as the last one died, and while that is refused,
    try again every 10 guesses (hammering the dead challenge meanwhile). Every 97th guess is the
    right code of the current challenge (by then always a dead one)."""
    starts, answers = Counter(), Counter()
    challenge_id, right, alive, next_try = None, None, False, 0
    for i in range(guesses):
        if not alive and i >= next_try:
            resp = start()
            starts[outcome(resp)] += 1
            if resp.status_code == 202:
                challenge_id, right, alive = resp.get_json()["challenge_id"], outbox.last_code(), True
                wrong = wrong_codes(right)
            else:
                next_try = i + 10
        resp = verify(client, challenge_id, right if i % 97 == 96 else next(wrong), purpose=purpose)
        answers[outcome(resp)] += 1
        alive = alive and resp.get_json()["code"] == "invalid_otp"
    return starts, answers


def test_1000_guesses_across_one_accounts_login_challenges(client, outbox, store, frozen_clock):
    """The password is known (stolen); the second factor is guessed."""
    factories.account(store, phone="+84912000002")
    starts, answers = _attack(client, outbox, lambda: client.post(
        f"{API}/auth/login", json={"phone": "0912000002", "password": factories.PASSWORD}), "login")
    # Challenge 1: 4 wrong, the 5th locks it (5 failed logins). Challenge 2: 4 wrong (9), the 5th is
    # the 10th failure in a row: the account locks for 15 minutes; no third challenge can be started.
    assert answers == {(400, "invalid_otp"): 8, (400, "challenge_locked"): 991, (429, "account_locked"): 1}
    assert starts == {(202, None): 2, (429, "account_locked"): 99}
    assert len(outbox.messages()) == 2
    # The owner gets back in after the 15 minutes.
    frozen_clock.advance(minutes=15)
    resp = client.post(f"{API}/auth/login", json={"phone": "0912000002", "password": factories.PASSWORD})
    assert resp.status_code == 202
    assert verify(client, resp.get_json()["challenge_id"], outbox.last_code(), purpose="login").status_code == 200


def test_1000_guesses_across_challenges_of_one_phone(client, outbox, store):
    """Registration challenges for one phone: the hourly SMS cap (5) allows 5 challenges, 25 guesses."""
    starts, answers = _attack(client, outbox, lambda: register_start(client, "0912000003"), "register")
    assert answers == {(400, "invalid_otp"): 20, (400, "challenge_locked"): 980}
    assert starts == {(202, None): 5, (429, "rate_limited"): 98}
    assert len(outbox.messages()) == 5 and count(store, Account) == 0


def test_1000_guesses_across_challenges_of_many_phones(client, outbox, store):
    """One address, 200 phones, 5 guesses each (and, for every 10th, the right code after): nothing;
    then the address's hourly registration limit."""
    phones = [f"0913{i:06d}" for i in range(_limit("REGISTER"))]
    answers = Counter()
    for n, phone in enumerate(phones):
        resp = register_start(client, phone)
        assert resp.status_code == 202, resp.get_json()
        challenge_id, right = resp.get_json()["challenge_id"], outbox.last_code()
        wrong = wrong_codes(right)
        for _ in range(5):
            answers[outcome(verify(client, challenge_id, next(wrong)))] += 1
        if n % 10 == 0:
            answers[outcome(verify(client, challenge_id, right))] += 1
    assert answers == {(400, "invalid_otp"): 800, (400, "challenge_locked"): 220}
    assert count(store, Account) == 0
    assert outcome(register_start(client, "0914000000")) == (429, "rate_limited")
    # Another address is not affected.
    assert register_start(client, "0914000000", addr="10.1.2.3").status_code == 202


# --- SMS bombing -----------------------------------------------------------------------------------------

def test_sms_bombing_one_phone(client, outbox, frozen_clock):
    """Three hours of a registration, a resend and a password reset for one phone every minute."""
    start = frozen_clock()
    sends, others = Counter(), Counter()
    first = register_start(client, "0915000001")
    sends[outcome(first)] += 1
    for _ in range(3 * 60):
        sends[outcome(register_start(client, "0915000001"))] += 1
        sends[outcome(client.post(f"{API}/auth/otp/resend", json={"challenge_id": first.get_json()["challenge_id"]}))] += 1
        # An unknown phone's reset sends nothing, but takes a slot like a real one (no enumeration).
        others[outcome(client.post(f"{API}/auth/password/forgot", json={"phone": "0915000001"}))] += 1
        frozen_clock.advance(seconds=60)
    sent = sorted(datetime.fromisoformat(m["sent_at"]) for m in outbox.messages())
    assert {m["to"] for m in outbox.messages()} == {"+84915000001"}
    # 5 slots an hour, whatever asks for them: 15 in three hours, never more than 5 SMS in any hour.
    assert sends[(202, None)] + others[(202, None)] == 15
    assert len(sent) == sends[(202, None)] and sent[0] == start
    assert max(sum(1 for t in sent if s <= t < s + timedelta(hours=1)) for s in sent) <= 5
    assert set(sends) | set(others) <= {(202, None), (429, "rate_limited"), (400, "otp_expired")}
    assert sends[(400, "otp_expired")] > 0  # a challenge older than 30 minutes cannot be resent at all


def test_resend_cooldown_is_60_seconds(client, outbox, frozen_clock):
    challenge_id = register_start(client, "0915000002").get_json()["challenge_id"]
    for waited in range(0, 60, 5):
        resp = client.post(f"{API}/auth/otp/resend", json={"challenge_id": challenge_id})
        assert outcome(resp) == (429, "rate_limited") and resp.headers["Retry-After"] == str(60 - waited)
        frozen_clock.advance(seconds=5)
    assert client.post(f"{API}/auth/otp/resend", json={"challenge_id": challenge_id}).status_code == 202
    assert len(outbox.messages()) == 2


def test_sms_bombing_many_phones_from_one_address(client, outbox, store):
    limit = _limit("REGISTER")
    answers = Counter(outcome(register_start(client, f"0916{i:06d}")) for i in range(limit + 50))
    assert answers == {(202, None): limit, (429, "rate_limited"): 50}
    assert len(outbox.messages()) == limit == len({m["to"] for m in outbox.messages()})
    assert count(store, OtpChallenge) == limit
    # Password-reset codes to many phones are limited the same way (accounts exist, so SMS go out).
    for i in range(_limit("FORGOT")):
        assert client.post(f"{API}/auth/password/forgot", json={"phone": f"0917{i:06d}"}).status_code == 202
    assert outcome(client.post(f"{API}/auth/password/forgot", json={"phone": "0917999999"})) == (429, "rate_limited")
    # Another address is not affected.
    assert register_start(client, "0918000000", addr="10.9.9.9").status_code == 202


def test_resend_flood_across_challenges_from_one_address(app, client, outbox, frozen_clock):
    app.config.update(RATELIMIT_RESEND="20/hour", RATELIMIT_REGISTER="1000/hour")
    ids = [register_start(client, f"0919{i:06d}").get_json()["challenge_id"] for i in range(25)]
    frozen_clock.advance(seconds=61)
    answers = Counter(outcome(client.post(f"{API}/auth/otp/resend", json={"challenge_id": c})) for c in ids)
    assert answers == {(202, None): 20, (429, "rate_limited"): 5}
    assert len(outbox.messages()) == 45


# --- credential stuffing -----------------------------------------------------------------------------------

def test_credential_stuffing_against_one_account(client, outbox, store, frozen_clock):
    factories.account(store, phone="+84912000009")
    answers, retry_after = Counter(), set()
    for i in range(1000):  # from 100 addresses, as a botnet would
        password = factories.PASSWORD if i in (10, 11, 500, 999) else f"Guess-{i:04d}-password"
        resp = client.post(f"{API}/auth/login", json={"phone": "0912000009", "password": password},
                           environ_base={"REMOTE_ADDR": f"10.0.{i % 100}.1"})
        answers[outcome(resp)] += 1
        if resp.status_code == 429:
            retry_after.add(int(resp.headers["Retry-After"]))
    # 9 wrong passwords, the 10th locks; the right one (attempts 11, 12, 501, 1000) changes nothing.
    assert answers == {(401, "invalid_credentials"): 9, (429, "account_locked"): 991}
    assert retry_after == {900}
    assert outbox.messages() == [] and count(store, OtpChallenge) == 0
    frozen_clock.advance(minutes=14, seconds=59)
    assert outcome(client.post(f"{API}/auth/login", json={"phone": "0912000009", "password": factories.PASSWORD})
                   ) == (429, "account_locked")
    frozen_clock.advance(seconds=1)
    assert client.post(f"{API}/auth/login", json={"phone": "0912000009",
                                                  "password": factories.PASSWORD}).status_code == 202


# --- oversized, deep, huge bodies --------------------------------------------------------------------------

@pytest.fixture
def tokens(app, store):
    _, citizen = factories.citizen(app, store)
    with app.app_context():
        _, clinic = factories.clinic(app, store)
    _, employer = factories.employer(app, store)
    return {"citizen": citizen, "clinic": clinic, "employer": {**employer, "Idempotency-Key": "k-1"}}


ENDPOINTS = [  # (path, who, a valid-looking small body)
    (f"{API}/auth/register", None, b'{"phone": "0912000010", "password": "x"}'),
    (f"{API}/auth/login", None, b'{"phone": "0912000010", "password": "x"}'),
    (f"{API}/oauth/token", None, b'{"grant_type": "client_credentials"}'),
    (f"{API}/me/link", "citizen", b'{"consent": true}'),
    (f"{API}/clinic/card-checks", "clinic", b'{"identifier": "x"}'),
    ("/api/egw/KQNhanLichSuKCB2024", "clinic", b'{"maThe": "x"}'),
    (f"{API}/employer/enrollments", "employer", b'{"employees": []}'),
]
IDS = [p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] for p, _, _ in ENDPOINTS]


def _post(client, tokens, path, who, data, content_type="application/json", **kw):
    return client.post(path, data=data, content_type=content_type, headers=tokens[who] if who else {}, **kw)


def test_body_over_8_mib_is_413_before_anything_reads_it(client, tokens, store):
    big = b"[" + b"0," * (4 * MiB) + b"0]"
    for path, who, small in ENDPOINTS:
        assert outcome(_post(client, tokens, path, who, big)) == (413, "payload_too_large"), path
        # A small body that claims to be 9 MiB: refused on the header alone, nothing read, no token needed.
        lying = client.post(path, data=small, content_type="application/json",
                            environ_overrides={"CONTENT_LENGTH": str(9 * MiB)})
        assert outcome(lying) == (413, "payload_too_large"), path
    assert count(store, OtpChallenge) == count(store, CardCheck) == count(store, Batch) == 0


CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": "", "wsgi.input_terminated": True}
TRUNCATED = ("a chunked body (no Content-Length; gunicorn sets wsgi.input_terminated) over MAX_CONTENT_LENGTH is "
             "silently cut at 8 MiB by werkzeug's LimitedStream(is_max=True).readall() and the first 8 MiB are "
             "parsed and acted on, instead of 413 payload_too_large (api/smorest.py check_content_type only "
             "looks at Content-Length)")


def test_chunked_body_over_8_mib_is_413(client, tokens, store):
    for path, who, small in ENDPOINTS:
        chunked = client.post(path, headers=tokens[who] if who else {}, content_type="application/json",
                              input_stream=io.BytesIO(b" " * (8 * MiB + 10) + small), environ_overrides=CHUNKED)
        assert outcome(chunked) == (413, "payload_too_large"), path
    assert count(store, CardCheck) == 0


def test_chunked_csv_over_8_mib_enrolls_nobody(app, client, store, frozen_clock):
    frozen_clock.set(emp.NOW)
    factories.facility(store, emp.FACILITY)
    _, employer = factories.employer(app, store)
    row = emp.person_row(8)
    emp.register(store, [row])
    body = emp.to_csv([row, {**row, "job_title": "x" * (9 * MiB)}])
    resp = client.post(f"{API}/employer/enrollments", input_stream=io.BytesIO(body), environ_overrides=CHUNKED,
                       headers={**employer, "Idempotency-Key": "chunked-1", "Content-Type": "text/csv"})
    assert count(store, Employment) == 0, resp.get_json()
    assert outcome(resp) == (413, "payload_too_large")


def test_chunked_body_within_the_limit_is_read(client, outbox):
    body = json.dumps({"phone": "0912000011", "password": PASSWORD, "full_name": "Lê Thị Hoa"}).encode()
    resp = client.post(f"{API}/auth/register", content_type="application/json", input_stream=io.BytesIO(body),
                       environ_overrides=CHUNKED)
    assert resp.status_code == 202 and len(outbox.messages()) == 1


def test_content_length_smaller_than_the_body_reads_only_what_it_says(client, store):
    body = b'{"phone": "0912000012", "password": "' + PASSWORD.encode() + b'", "full_name": "A"}' + b" " * MiB
    resp = client.post(f"{API}/auth/register", data=body, content_type="application/json",
                       environ_overrides={"CONTENT_LENGTH": "20"})
    assert outcome(resp) == (422, "validation_error") and count(store, OtpChallenge) == 0


def _same_answer(a, b) -> None:
    """The same status and code (or gateway result) as the endpoint's answer to malformed JSON."""
    assert a.status_code == b.status_code, (a.get_data(as_text=True)[:300], b.get_data(as_text=True)[:300])
    ja, jb = a.get_json(), b.get_json()
    for key in ("code", "result_code", "maKetQua"):
        assert ja.get(key) == jb.get(key), (ja, jb)


@pytest.mark.parametrize("deep", ["[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000],
                         ids=["arrays", "objects"])
def test_deeply_nested_json_is_answered_like_malformed_json(client, tokens, store, deep):
    for path, who, _small in ENDPOINTS:
        malformed = _post(client, tokens, path, who, b"{")
        _same_answer(_post(client, tokens, path, who, deep.encode()), malformed)
    assert count(store, OtpChallenge) == 0


def test_moderately_nested_json_is_answered_like_any_json_of_its_shape(client, tokens, store):
    for deep, shallow in (("[" * 500 + "]" * 500, "[[]]"), ('{"a":' * 500 + "1" + "}" * 500, '{"a":{"a":1}}')):
        for path, who, _small in ENDPOINTS:
            _same_answer(_post(client, tokens, path, who, deep.encode()), _post(client, tokens, path, who, shallow.encode()))
    assert count(store, OtpChallenge) == 0


def test_huge_json_arrays(client, tokens, store):
    million = ("[" + ",".join(["0"] * 1_000_000) + "]").encode()
    assert outcome(_post(client, tokens, f"{API}/auth/register", None, million)) == (422, "validation_error")
    field = b'{"phone": "0912000013", "password": "x", "full_name": ' + million + b"}"
    assert outcome(_post(client, tokens, f"{API}/auth/register", None, field)) == (422, "validation_error")
    resp = _post(client, tokens, f"{API}/clinic/card-checks", "clinic", million)
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "205"
    rows = b'{"employees": [' + b",".join([b"{}"] * 10_001) + b"]}"
    assert outcome(_post(client, tokens, f"{API}/employer/enrollments", "employer", rows)) == (413, "payload_too_large")
    csv = emp.to_csv([emp.person_row(1)] * 10_001)
    assert outcome(_post(client, tokens, f"{API}/employer/enrollments", "employer", csv, "text/csv")) == (
        413, "payload_too_large")
    assert count(store, OtpChallenge) == count(store, Batch) == count(store, Employment) == 0


def test_json_endpoints_refuse_other_content_types(client, tokens, store):
    body = json.dumps({"phone": "0912000014", "password": PASSWORD, "full_name": "A"}).encode()
    for content_type in ("text/plain", "application/xml", "text/csv", "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=x", "application/json-patch+json", "application/javascript",
                         None):
        for path, who in ((f"{API}/auth/register", None), (f"{API}/me/link", "citizen"),
                          (f"{API}/clinic/card-checks", "clinic"), (f"{API}/auth/login", None)):
            headers = {**(tokens[who] if who else {}), **({"Content-Type": content_type} if content_type else {})}
            resp = client.post(path, data=body, headers=headers)
            assert outcome(resp) == (415, "unsupported_media_type"), (path, content_type)
    assert count(store, OtpChallenge) == count(store, CardCheck) == 0


def test_csv_and_form_endpoints_refuse_others(client, tokens, store):
    assert outcome(_post(client, tokens, f"{API}/employer/enrollments", "employer", b"<a/>", "application/xml")) == (
        415, "unsupported_media_type")
    assert outcome(_post(client, tokens, f"{API}/oauth/token", None, b"grant_type=x", "text/plain")) == (
        415, "unsupported_media_type")
    assert outcome(_post(client, tokens, "/api/egw/KQNhanLichSuKCB2024", "clinic", b"maThe,hoTen", "text/csv")) == (
        415, "unsupported_media_type")
    assert count(store, Batch) == count(store, CardCheck) == 0


def test_csv_that_is_not_utf8_or_not_csv(client, tokens, store):
    utf16 = "cccd,full_name\n001090000001,Nguyễn\n".encode("utf-16")
    assert outcome(_post(client, tokens, f"{API}/employer/enrollments", "employer", utf16, "text/csv")) == (
        422, "validation_error")
    assert outcome(_post(client, tokens, f"{API}/employer/enrollments", "employer", b"\x00\x01\x02", "text/csv")) == (
        422, "validation_error")
    assert count(store, Batch) == 0


# --- unicode in names --------------------------------------------------------------------------------------

NAME_NFC = "Nguyễn Thị Ánh Tuyết"
NAME_NFD = unicodedata.normalize("NFD", NAME_NFC)


def test_nfd_and_nfc_forms_of_one_name_are_the_same_name(app, client, outbox, store, frozen_clock):
    assert NAME_NFD != NAME_NFC and len(NAME_NFD) > len(NAME_NFC)
    # Registration stores the NFC form.
    challenge_id = register_start(client, "0912000020", name=NAME_NFD).get_json()["challenge_id"]
    resp = verify(client, challenge_id, outbox.last_code())
    assert resp.status_code == 201 and resp.get_json()["account"]["full_name"] == NAME_NFC
    # Linking with the NFD form matches the registry's NFC one.
    an_in_registry_and_insured(store)
    _, headers = factories.citizen(app, store, phone="+84912000021")
    nfd_an = unicodedata.normalize("NFD", "Nguyễn Văn An")
    resp = client.post(f"{API}/me/link", json=link_body(full_name=nfd_an), headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "linked", resp.get_json()
    # The clinic types the holder's name in NFD: still 000.
    card = factories.card(store, store.scalars(select(factories.InsuredPerson)).one())
    with app.app_context():
        _, clinic = factories.clinic(app, store)
    resp = client.post(f"{API}/clinic/card-checks", headers=clinic, json={
        "identifier": card.card_number, "full_name": nfd_an, "date_of_birth": "1995-03-05",
        "staff_cccd": "001095012345", "staff_name": unicodedata.normalize("NFD", "Lê Văn Cường")})
    assert resp.get_json()["result_code"] == "000"
    # An employer's CSV in NFD enrolls the NFC registry person.
    frozen_clock.set(emp.NOW)
    factories.facility(store, emp.FACILITY)
    _, employer = factories.employer(app, store)
    row = emp.person_row(3)
    emp.register(store, [row])
    resp = emp.enroll(client, employer, emp.to_csv([{**row, "full_name": unicodedata.normalize("NFD", row["full_name"])}]),
                      csv_body=True)
    assert resp.get_json()["enrolled"] == 1, resp.get_json()


def test_emoji_in_a_display_name_is_kept_as_given(client, outbox, store):
    """The account's display name is the citizen's own choice (the contract is silent); it is never
    compared with the registry, so emoji are kept. Names that must match the registry simply do not."""
    challenge_id = register_start(client, "0912000022", name="Mai 🌸 Nguyễn").get_json()["challenge_id"]
    assert verify(client, challenge_id, outbox.last_code()).get_json()["account"]["full_name"] == "Mai 🌸 Nguyễn"


@pytest.mark.parametrize("name", ["A" * 10_000, "Nguyễn " * 1_500, " ", "\u3000\u00a0\t\n"],
                         ids=["10000-chars", "10500-chars-words", "space", "unicode-spaces"])
def test_names_that_are_too_long_or_blank_are_422_everywhere(app, client, store, tokens, name):
    assert outcome(register_start(client, "0912000023", name=name)) == (422, "validation_error")
    an_in_registry_and_insured(store)
    resp = client.post(f"{API}/me/link", json=link_body(full_name=name), headers=tokens["citizen"])
    assert outcome(resp) == (422, "validation_error")
    resp = client.post(f"{API}/clinic/card-checks", headers=tokens["clinic"], json={
        "identifier": "DN4010123456789", "full_name": name, "date_of_birth": "1995-03-05",
        "staff_cccd": "001095012345", "staff_name": "Lê Văn Cường"})
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "205"
    assert count(store, OtpChallenge) == count(store, LinkRequest) == count(store, Consent) == 0


INVISIBLE = {
    "zero-width-space": "Nguyễn\u200bVăn An", "zero-width-joiner": "Nguyễn Văn\u200d An",
    "only-zero-width": "\u200b\u200c", "rtl-mark": "\u200fNguyễn Văn An", "rtl-override": "\u202eNguyễn Văn An",
    "bom": "\ufeffNguyễn Văn An", "nul": "Nguyễn\x00Văn An", "control": "Nguyễn\x07Văn An",
}


def test_invisible_and_control_characters_in_a_name_are_422(client, store):
    for label, name in INVISIBLE.items():
        assert outcome(register_start(client, "0912000024", name=name)) == (422, "validation_error"), label
    assert count(store, OtpChallenge) == 0


def test_invisible_characters_do_not_pass_for_the_registry_name(client, store, tokens, frozen_clock):
    """A look-alike name never matches the registry: no link, and no review either."""
    an_in_registry_and_insured(store)
    answers = {}
    for label, name in INVISIBLE.items():
        frozen_clock.advance(minutes=13)  # stay under 5 link attempts an hour
        resp = client.post(f"{API}/me/link", json=link_body(full_name=name), headers=tokens["citizen"])
        answers[label] = resp.status_code if resp.status_code >= 500 else outcome(resp)
    # NUL is refused at the door for every request (api/smorest.py), before any name is compared.
    assert answers.pop("nul") == (422, "validation_error")
    assert set(answers.values()) == {(422, "registry_mismatch")}, answers
    assert count(store, LinkRequest) == 0
    store.expire_all()
    assert store.scalars(select(factories.InsuredPerson)).one().account_id is None


# --- NUL bytes and SQL-looking input ----------------------------------------------------------------------

def _nul_cases(row: dict) -> dict:
    s = "a\x00b"
    return {
        "verify.challenge_id": ("POST", f"{API}/auth/register/verify", None, {"json": {"challenge_id": s, "otp": "123456"}}),
        "resend.challenge_id": ("POST", f"{API}/auth/otp/resend", None, {"json": {"challenge_id": s}}),
        "register.full_name": ("POST", f"{API}/auth/register", None,
                               {"json": {"phone": "0912000031", "password": PASSWORD, "full_name": "Nguyễn\x00Văn"}}),
        "login.password": ("POST", f"{API}/auth/login", None,
                           {"json": {"phone": "0912000030", "password": "Hoa\x00sen-2024"}}),
        "oauth.client_id.form": ("POST", f"{API}/oauth/token", None,
                                 {"data": {"grant_type": "client_credentials", "client_id": s, "client_secret": s}}),
        "oauth.client_id.json": ("POST", f"{API}/oauth/token", None,
                                 {"json": {"grant_type": "client_credentials", "client_id": s, "client_secret": "x"}}),
        "link.full_name": ("POST", f"{API}/me/link", "citizen", {"json": link_body(full_name="Nguyễn\x00Văn An")}),
        "clinic.staff_name": ("POST", f"{API}/clinic/card-checks", "clinic", {"json": {
            "identifier": "DN4010123456789", "full_name": "A", "date_of_birth": "1995-03-05",
            "staff_cccd": "001095012345", "staff_name": "Lê Văn\x00 Cường"}}),
        "gateway.form": ("POST", "/api/egw/KQNhanLichSuKCB2024", "clinic", {"data": {
            "maThe": "DN4010123456789", "hoTen": "A\x00", "ngaySinh": "05/03/1995", "hoTenCb": "B", "cccdCb": "1"}}),
        "enrollment.job_title": ("POST", f"{API}/employer/enrollments", "employer",
                                 {"json": {"employees": [{**row, "job_title": "Kỹ sư\x00"}]}}),
        "enrollment.csv": ("POST", f"{API}/employer/enrollments", "employer",
                           {"data": emp.to_csv([{**row, "job_title": "Kỹ sư\x00"}]), "content_type": "text/csv"}),
        "batch_id.path": ("GET", f"{API}/employer/enrollments/a%00b", "employer", {}),
        "revoked.after.query": ("GET", f"{API}/cards/revoked?since=2026-01-01T00:00:00Z&after=a%00b", "clinic", {}),
    }


def test_nul_bytes_are_refused_at_the_door(app, client, tokens, store, frozen_clock):
    """U+0000 anywhere (JSON, form, CSV, path, query) is 422, the same on SQLite and on PostgreSQL
    (whose text columns cannot hold it: a driver error deep in a query would be a 500)."""
    frozen_clock.set(emp.NOW)
    factories.facility(store, emp.FACILITY)
    row = emp.person_row(4)
    emp.register(store, [row])
    got = {}
    for case, (method, path, who, kw) in _nul_cases(row).items():
        resp = client.open(path, method=method, headers=tokens[who] if who else {}, **kw)
        got[case] = resp.status_code if resp.status_code >= 500 else outcome(resp)
    assert got == {case: (422, "validation_error") for case in got}
    assert count(store, OtpChallenge) == count(store, CardCheck) == count(store, Batch) == count(store, Employment) == 0
    # An escaped backslash before "u0000" is text, not a NUL.
    resp = client.post(f"{API}/auth/register", json={"phone": "0912000032", "password": PASSWORD,
                                                     "full_name": "Lê \\u0000 Hoa"})
    assert resp.status_code == 202


def test_sql_looking_input_in_auth_fields(client, outbox, store):
    for payload in SQLISH:
        # Shaped fields refuse it; free text is data, kept exactly as given.
        assert outcome(register_start(client, payload)) == (422, "validation_error")
        assert outcome(client.post(f"{API}/auth/login", json={"phone": payload, "password": PASSWORD})) == (
            422, "validation_error")
        assert outcome(client.post(f"{API}/auth/login", json={"phone": "0912000040", "password": payload})) == (
            401, "invalid_credentials")
        assert outcome(verify(client, payload, "123456")) == (404, "challenge_not_found")
        assert outcome(verify(client, "x", payload)) == (422, "validation_error")
        assert outcome(client.post(f"{API}/auth/otp/resend", json={"challenge_id": payload})) == (
            404, "challenge_not_found")
        assert outcome(client.post(f"{API}/auth/password/forgot", json={"phone": payload})) == (422, "validation_error")
        assert outcome(client.post(f"{API}/oauth/token", data={"grant_type": "client_credentials", "client_id": payload,
                                                               "client_secret": payload})) == (401, "invalid_client")
        assert outcome(client.post(f"{API}/oauth/token", data={"grant_type": payload})) == (400, "unsupported_grant_type")
    assert count(store, OtpChallenge) == count(store, Account) == 0
    # As a name it is just a name: stored verbatim, and the tables are all still there.
    for i, payload in enumerate(SQLISH[:2]):
        challenge_id = register_start(client, f"09120000{50 + i}", name=payload).get_json()["challenge_id"]
        assert verify(client, challenge_id, outbox.last_code()).get_json()["account"]["full_name"] == payload
    assert count(store, Account) == 2


def test_sql_looking_input_in_link_and_clinic_fields(client, store, tokens):
    an_in_registry_and_insured(store)
    good = link_body()
    expected = {"cccd": (422, "validation_error"), "bhxh_code": (422, "validation_error"),
                "full_name": (422, "registry_mismatch"), "date_of_birth": (422, "validation_error"),
                "gender": (422, "validation_error")}
    for field, answer in expected.items():
        resp = client.post(f"{API}/me/link", json={**good, field: SQLISH[0]}, headers=tokens["citizen"])
        assert outcome(resp) == answer, field
    assert count(store, LinkRequest) == 0
    store.expire_all()
    assert store.scalars(select(factories.InsuredPerson)).one().account_id is None
    check = {"identifier": "DN4010123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
             "staff_cccd": "001095012345", "staff_name": "Lê Văn Cường"}
    codes = {"identifier": "051", "full_name": "050", "date_of_birth": "205", "staff_cccd": "205", "staff_name": "055"}
    for field, code in codes.items():
        for payload in SQLISH[:2]:
            resp = client.post(f"{API}/clinic/card-checks", json={**check, field: payload}, headers=tokens["clinic"])
            assert resp.status_code == 200 and resp.get_json()["result_code"] == code, (field, resp.get_json())
            assert resp.get_json()["card"] is None


def test_sql_looking_input_in_enrollment_rows(app, client, store, frozen_clock):
    frozen_clock.set(emp.NOW)
    factories.facility(store, emp.FACILITY)
    _, employer = factories.employer(app, store)
    row = emp.person_row(6)
    emp.register(store, [row])
    fields = ["cccd", "full_name", "date_of_birth", "gender", "start_month", "job_title",
              "primary_care_facility_code", "phone", "bhxh_code"]
    rows = [{**row, f: SQLISH[1]} for f in fields]
    resp = emp.enroll(client, employer, rows)
    assert resp.status_code == 200, resp.get_json()
    statuses = {f: r["status"] for f, r in zip(fields, resp.get_json()["results"])}
    # A job title is free text: that row is the only one enrolled (with the title kept verbatim).
    assert statuses == {f: ("enrolled" if f == "job_title" else "rejected") for f in fields}
    assert store.scalars(select(Employment)).one().job_title == SQLISH[1]
    term = emp.terminate(client, employer, [{"cccd": SQLISH[0], "end_month": "2026-11", "reason": "stopped"},
                                            {"bhxh_code": SQLISH[1], "end_month": SQLISH[0], "reason": SQLISH[1]}])
    assert term.status_code == 200 and term.get_json()["rejected"] == 2
    assert outcome(client.get(f"{API}/employer/enrollments/{SQLISH[0]}", headers=employer)) == (404, "not_found")
    assert count(store, Account) == 0 and count(store, Employment) == 1


def test_sql_looking_path_segments(app, client, store):
    _, officer = factories.officer(app, store)
    for payload in ("' OR 1=1 --", "1;DROP TABLE cards", "%27%20OR%201=1"):
        resp = client.post(f"{API}/officer/cards/{payload}/revoke", json={"reason": "x"}, headers=officer)
        assert outcome(resp) == (404, "card_not_found")
    assert outcome(client.post(f"{API}/officer/link-reviews/1%20OR%201=1/approve", json={}, headers=officer)) == (
        404, "not_found")
