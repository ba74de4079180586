"""20 accounts link the same CCCD at the same moment: exactly one wins, on SQLite too (audit finding:
4 were told "linked" on SQLite), by the unique index on the accepted link of a record."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from models import InsuredPerson, LinkRequest
from tests import factories

from .helpers import URL, an_in_registry_and_insured, body

N = 20


def test_sqlite_link_race_one_winner_twenty_accounts_one_cccd(app, session):
    an_in_registry_and_insured(session)
    headers = [factories.citizen(app, session, phone=f"+8491{i:07d}")[1] for i in range(N)]
    barrier = threading.Barrier(N)
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def attempt(h: dict) -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(URL, json=body(), headers=h)
        data = resp.get_json()
        with lock:
            results.append((resp.status_code, data.get("code") or data.get("status")))

    threads = [threading.Thread(target=attempt, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(results) == {(200, "linked"): 1, (409, "already_linked"): N - 1}, results
    session.expire_all()
    carrying = session.scalars(select(InsuredPerson).where(InsuredPerson.cccd == "001095012345")).all()
    assert len(carrying) == 1 and carrying[0].account_id is not None
    assert session.scalar(select(func.count()).select_from(LinkRequest).where(LinkRequest.status == "linked")) == 1


def test_sqlite_link_race_one_winner_twenty_accounts_one_cccd_without_bhxh_code(app, session):
    """Found by CCCD (the record already carries it): still one winner."""
    an_in_registry_and_insured(session, cccd="001095012345")
    headers = [factories.citizen(app, session, phone=f"+8492{i:07d}")[1] for i in range(N)]
    barrier = threading.Barrier(N)
    codes: list[int] = []
    data = body()
    del data["bhxh_code"]

    def attempt(h: dict) -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(client.post(URL, json=data, headers=h).status_code)

    threads = [threading.Thread(target=attempt, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(codes) == {200: 1, 409: N - 1}
