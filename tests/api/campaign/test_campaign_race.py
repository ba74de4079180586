"""The kept campaign totals stay exact while links, enrollments and CCCD updates race (CONTRACT §12).

Twelve citizens link their records while the employer sends three CCCD-update batches and three
enrollment batches at the same moment. Six of the linking persons are also in an update batch
(the same record changed by both), six others are enrolled by the employer into another province
(their current card, hence their province, moves while they link). Afterwards the kept totals and
every person's kept standing must equal a full count from insured_persons and cards.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text

from models import InsuredPerson
from services import campaign
from tests import factories
from tests.api.employer import helpers as emp
from tests.api.employer.identity_helpers import URL as UPDATES
from tests.api.employer.identity_helpers import clean, legacy_employee, settle
from tests.api.links.helpers import URL as LINK
from tests.conftest import USE_POSTGRES


def _world(app, session, employer):
    linkers = [legacy_employee(session, 100 + i, unit_code="OTHER01", province="79") for i in range(12)]
    updates = [legacy_employee(session, 200 + i) for i in range(54)]
    both = [legacy_employee(session, 300 + i) for i in range(6)]  # X's employees who also link
    settle(session)
    citizens = [factories.citizen(app, session, phone=f"+8491200{i:04d}")[1] for i in range(len(linkers + both))]
    new_people = emp.rows(40)
    emp.register(session, new_people)
    moved = [{**emp.person_row(0), **{k: r[k] for k in ("bhxh_code", "cccd", "full_name", "date_of_birth",
                                                        "gender")}} for r in linkers[:6]]
    calls = []
    for person, headers in zip(linkers + both, citizens):
        calls.append(("link", LINK, headers, {**clean(person), "consent": True}))
    chunks = [updates[:18] + both[:2], updates[18:36] + both[2:4], updates[36:] + both[4:]]
    for rows in chunks:
        calls.append(("update", UPDATES, employer[1], {"employees": [clean(r) for r in rows]}))
    for rows in (new_people[:20], new_people[20:], moved):
        calls.append(("enroll", emp.ENROLL, employer[1], {"employees": rows}))
    return calls


def _call(client, kind, url, headers, body):
    h = dict(headers)
    if kind != "link":
        h["Idempotency-Key"] = emp.key()
    resp = client.post(url, json=body, headers=h)
    data = resp.get_json()
    if kind == "link":
        return kind, resp.status_code, data.get("status") or data.get("code")
    return kind, resp.status_code, data.get("rejected", data.get("code"))


def _assert_exact(session):
    session.rollback()
    kept_people = set(session.execute(text(
        "SELECT person_id, province_code, cccd_verified, app_linked FROM campaign_people")).tuples())
    truth = {(int(a), b, bool(c), bool(d)) for a, b, c, d in session.execute(text(campaign._STANDING))}
    assert {(int(a), b, bool(c), bool(d)) for a, b, c, d in kept_people} == truth
    assert campaign.kept_count(session) == campaign.full_count(session)


EXPECTED = {("link", 200, "linked"): 18, ("update", 200, 0): 3, ("enroll", 200, 0): 3}


@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL row locks and concurrent connections")
def test_racing_links_enrollments_and_updates_keep_the_totals_exact(app, session, employer):
    calls = _world(app, session, employer)
    barrier = threading.Barrier(len(calls))
    results, lock = [], threading.Lock()

    def run(call):
        client = app.test_client()
        barrier.wait()
        got = _call(client, *call)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Counter(results) == EXPECTED, results
    _assert_exact(session)
    hn = campaign.kept_count(session)["01"]
    # The six linkers enrolled here as well keep the card their other unit's employment put in province
    # 79: the multi-employer rule (docs/employer.md) never rewrites another unit's card.
    assert hn[0] == 54 + 6 + 40


def test_the_same_mix_one_after_another(app, client, session, employer):
    """The same work in sequence (SQLite runs writers one at a time anyway)."""
    results = [_call(client, *call) for call in _world(app, session, employer)]
    assert Counter(results) == EXPECTED, results
    _assert_exact(session)


@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL row locks and concurrent connections")
def test_a_card_change_and_a_link_of_one_person_at_once(app, session, employer):
    """The interleaving the person lock is for: transaction A links the record (not committed yet)
    while transaction B makes the person's older Hà Nội card the current one (a re-enrollment widens
    its validity in place) without touching the record. B must wait for A, then count the person
    once, linked, in Hà Nội."""
    person = legacy_employee(session, 1, province="79")
    older = factories.card(session, session.get(InsuredPerson, person["_person_id"]), object_code="HS",
                           province_code="01", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    acc, _ = factories.citizen(app, session, phone="+84912009999")
    settle(session)
    assert campaign.kept_count(session) == {"79": [1, 0, 0]}
    factory = app.extensions["db"].factory
    a, b = factory(), factory()
    try:
        a.execute(text("UPDATE insured_persons SET account_id = :a, cccd = :c WHERE id = :p"),
                  {"a": acc.id, "c": person["cccd"], "p": person["_person_id"]})
        campaign.refresh(a, [person["_person_id"]])
        done = threading.Event()

        def widen():
            b.execute(text("UPDATE cards SET valid_from = '2026-11-01', valid_to = '2026-12-31' WHERE id = :id"),
                      {"id": older.id})
            campaign.refresh(b, [person["_person_id"]])
            b.commit()
            done.set()

        worker = threading.Thread(target=widen)
        worker.start()
        assert not done.wait(1.0), "B must wait for A's lock on the person"
        a.commit()
        worker.join(timeout=30)
        assert done.is_set()
    finally:
        a.close()
        b.close()
    _assert_exact(session)
    assert campaign.kept_count(session) == {"01": [1, 1, 1]}
