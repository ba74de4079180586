from datetime import date, datetime, timedelta

import pytest

from tests import factories as f
from tests.api.cards.conftest import NOW
from tests.conftest import assert_problem

URL = "/api/v1/cards/revoked"


def _cards(session, at_now):
    """Five cards: active, revoked at NOW-2h, reduced (stopped) at NOW-1h, reduced (transfer) at NOW,
    revoked at NOW but already past valid_to."""
    made = []
    for i, (status, reason, hours, valid_to) in enumerate([
        ("active", None, 0, date(2026, 12, 31)),
        ("revoked", "fraud", -2, date(2026, 12, 31)),
        ("reported_decreased", "stopped", -1, date(2026, 12, 31)),
        ("reported_decreased", "transfer_out_of_province", 0, date(2026, 12, 31)),
        ("revoked", "fraud", 0, date(2026, 5, 31)),
    ]):
        at_now.set(NOW + timedelta(hours=hours))
        p = f.person(session, bhxh_code=f"01234567{i:02d}")
        made.append(f.card(session, p, status=status, status_reason=reason, valid_to=valid_to))
    at_now.set(NOW)
    return made


def test_feed_lists_revocations_since(client, session, clinic_headers, at_now):
    cards = _cards(session, at_now)
    resp = client.get(URL, query_string={"since": (NOW - timedelta(hours=3)).isoformat()}, headers=clinic_headers)
    assert resp.status_code == 200
    body = resp.get_json()
    assert [i["cid"] for i in body["items"]] == [cards[1].id, cards[2].id, cards[3].id]
    assert [i["result_code"] for i in body["items"]] == ["110", "124", "121"]
    assert body["items"][0] == {"cid": cards[1].id, "status": "revoked", "reason": None, "result_code": "110",
                                "changed_at": (NOW - timedelta(hours=2)).isoformat()}
    assert body["has_more"] is False and body["next"] is None
    assert datetime.fromisoformat(body["generated_at"]) == NOW - timedelta(seconds=60)
    for item in body["items"]:
        assert set(item) == {"cid", "status", "reason", "result_code", "changed_at"}

    later = client.get(URL, query_string={"since": (NOW - timedelta(minutes=30)).isoformat()}, headers=clinic_headers)
    assert [i["cid"] for i in later.get_json()["items"]] == [cards[3].id]


def test_unencoded_plus_in_since(client, session, clinic_headers, at_now):
    _cards(session, at_now)
    resp = client.get(URL + "?since=2026-06-15T08:30:00+07:00", headers=clinic_headers)
    assert resp.status_code == 200 and len(resp.get_json()["items"]) == 2


def test_feed_pages_by_keyset(client, session, clinic_headers, at_now):
    at_now.set(NOW)
    ids = []
    for i in range(5):
        p = f.person(session, bhxh_code=f"01234567{i:02d}")
        ids.append(f.card(session, p, status="revoked", status_reason="x").id)
    seen, query = [], {"since": (NOW - timedelta(days=1)).isoformat(), "limit": 2}
    while True:
        body = client.get(URL, query_string=query, headers=clinic_headers).get_json()
        seen += [i["cid"] for i in body["items"]]
        if not body["has_more"]:
            break
        query = {**query, **body["next"]}
    assert sorted(seen) == sorted(ids) and len(seen) == 5


@pytest.mark.parametrize("query", [{}, {"since": "yesterday"}, {"since": "2026-06-15T00:00:00"},
                                   {"since": NOW.isoformat(), "limit": 0}, {"since": NOW.isoformat(), "limit": 1001}])
def test_feed_needs_an_aware_since(client, clinic_headers, query):
    assert_problem(client.get(URL, query_string=query, headers=clinic_headers), 422, "validation_error")


def test_feed_is_for_clinics_only(app, client, session, at_now):
    since = {"since": NOW.isoformat()}
    assert_problem(client.get(URL, query_string=since), 401, "unauthorized")
    for headers in (f.citizen(app, session)[1], f.officer(app, session)[1], f.employer(app, session)[1]):
        assert_problem(client.get(URL, query_string=since, headers=headers), 403, "forbidden")


def test_feed_publishes_codes_not_officer_free_text(client, session, clinic_headers, at_now):
    """Audit finding: /cards/revoked published the officer's free-text reason (names, CCCDs, phones)."""
    at_now.set(NOW)
    p = f.person(session, bhxh_code="0123456790")
    text = "Nguyen Van A, CCCD 001099012345, phone 0912345678 reported fraud"
    f.card(session, p, status="revoked", status_reason=text)
    q = f.person(session, bhxh_code="0123456791")
    f.card(session, q, status="reported_decreased", status_reason="not one of ours: call 0912345678")
    resp = client.get(URL, query_string={"since": (NOW - timedelta(hours=1)).isoformat()}, headers=clinic_headers)
    assert resp.status_code == 200
    items = resp.get_json()["items"]
    assert sorted((i["reason"], i["result_code"]) for i in items) == [(None, "110"), (None, "120")]
    assert "0912345678" not in resp.get_data(as_text=True) and "001099012345" not in resp.get_data(as_text=True)
