"""Audit findings: the lockout told registered phones from unknown ones (429 account_locked vs 401),
let anyone lock any account with 10 requests every 15 minutes, and login timing differed by
4-12 ms; one abusive client behind a carrier NAT blocked every user of that address."""
from __future__ import annotations

import math
import random
import time

from tests import factories
from tests.auth.flows import API
from tests.conftest import assert_problem

KNOWN, UNKNOWN = "0912000101", "0912000102"


def _login(client, phone, password="Wrong-password-1", device_token=None, addr="10.1.1.1"):
    body = {"phone": phone, "password": password}
    if device_token:
        body["device_token"] = device_token
    return client.post(f"{API}/auth/login", json=body, environ_base={"REMOTE_ADDR": addr})


def _full_login(client, outbox, phone, device_token=None, addr="10.1.1.1") -> dict:
    resp = _login(client, phone, factories.PASSWORD, device_token, addr)
    assert resp.status_code == 202, resp.get_json()
    resp = client.post(f"{API}/auth/login/verify", json={"challenge_id": resp.get_json()["challenge_id"],
                                                         "otp": outbox.last_code()},
                       environ_base={"REMOTE_ADDR": addr})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _answer(resp) -> tuple:
    body = dict(resp.get_json())
    return resp.status_code, resp.headers.get("Retry-After"), body


def test_lockout_does_not_tell_registered_phones_from_unknown_ones(client, session, frozen_clock):
    factories.account(session, phone="+84" + KNOWN[1:])
    for _ in range(9):
        assert _answer(_login(client, KNOWN)) == _answer(_login(client, UNKNOWN))
    tenth = _answer(_login(client, KNOWN)), _answer(_login(client, UNKNOWN))
    assert tenth[0] == tenth[1] and tenth[0][0] == 429 and tenth[0][2]["code"] == "account_locked"
    frozen_clock.advance(minutes=7)
    known, unknown = _answer(_login(client, KNOWN)), _answer(_login(client, UNKNOWN))
    assert known == unknown and known[1] == "480"


def test_a_stranger_cannot_lock_the_owner_out_of_a_device_that_logged_in_before(client, outbox, session,
                                                                                frozen_clock):
    factories.account(session, phone="+84" + KNOWN[1:])
    device = _full_login(client, outbox, KNOWN, addr="10.9.9.9")["device_token"]
    for _ in range(50):  # a stranger, from many addresses
        _login(client, KNOWN, addr=f"10.2.{random.randrange(250)}.1")
    assert_problem(_login(client, KNOWN, factories.PASSWORD), 429, "account_locked")  # strangers are locked
    frozen_clock.advance(seconds=61)
    assert _full_login(client, outbox, KNOWN, device_token=device)["access_token"]  # the owner is not


def test_a_forged_or_foreign_device_token_is_just_an_untrusted_client(client, outbox, session, frozen_clock):
    factories.account(session, phone="+84" + KNOWN[1:])
    factories.account(session, phone="+84" + UNKNOWN[1:])
    other_device = _full_login(client, outbox, UNKNOWN)["device_token"]
    for _ in range(10):
        _login(client, KNOWN)
    for token in (other_device, other_device[:-1] + "x", "d1.1.abc.def"):
        assert_problem(_login(client, KNOWN, factories.PASSWORD, token), 429, "account_locked")


def test_many_phones_behind_one_nat_address_keep_logging_in_while_one_attacker_is_refused(app, client, outbox,
                                                                                           session, frozen_clock):
    app.config.update(RATELIMIT_LOGIN="30/hour", RATELIMIT_VERIFY="100000/hour")
    nat = "100.64.0.1"
    phones = [f"0913{i:06d}" for i in range(40)]
    for phone in phones:
        factories.account(session, phone="+84" + phone[1:])
    devices = {}
    for phone in phones:  # every phone logged in once before (successes use none of the address's budget)
        frozen_clock.advance(seconds=61)
        devices[phone] = _full_login(client, outbox, phone, addr=nat)["device_token"]
    refused = 0
    for i in range(200):  # the attacker, behind the same address, sprays passwords over phones
        resp = _login(client, f"0914{i:06d}", addr=nat)
        refused += resp.status_code == 429 and resp.get_json()["code"] == "rate_limited"
    assert refused == 170  # 30 failures, then refused
    for phone in phones:  # ... and everyone else keeps logging in
        frozen_clock.advance(seconds=61)
        assert _full_login(client, outbox, phone, devices[phone], addr=nat)["access_token"]


# --- timing -----------------------------------------------------------------------------------------

def _mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p of the Mann-Whitney U test (normal approximation, ties averaged)."""
    ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks, i = [0.0] * len(ranked), 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    n1, n2 = len(a), len(b)
    u = sum(r for r, (_, g) in zip(ranks, ranked, strict=True) if g == 0) - n1 * (n1 + 1) / 2
    z = (u - n1 * n2 / 2) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return math.erfc(abs(z) / math.sqrt(2))


def test_login_timing_does_not_tell_registered_phones_from_unknown_ones(app, client, session):
    """Interleaved wrong-password logins on 200 registered and 200 unknown phones (each phone once,
    so no lock interferes), with the production Argon2 parameters: the two time distributions must
    not differ (Mann-Whitney, p > 0.001; the audit measured p = 4e-6 before the fix)."""
    from auth import passwords

    passwords.configure(fast=False)
    try:
        n = 200
        for i in range(n):
            factories.account(session, phone=f"+849150{i:05d}", password="Some-password-99")
        known, unknown = [], []
        order = [(True, i) for i in range(n)] + [(False, i) for i in range(n)]
        random.Random(7).shuffle(order)
        for is_known, i in order:
            phone = f"09150{i:05d}" if is_known else f"09160{i:05d}"
            start = time.perf_counter()
            resp = _login(client, phone, addr=f"10.3.{i % 200}.{int(is_known)}")
            (known if is_known else unknown).append(time.perf_counter() - start)
            assert resp.status_code == 401
        p = _mann_whitney_p(known, unknown)
        assert p > 0.001, (p, sorted(known)[n // 2], sorted(unknown)[n // 2])
    finally:
        passwords.configure(fast=True)
