"""Bulk behaviour: bounded statement count, all-or-nothing batches, parallel batches (PostgreSQL)."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from models import AuditEvent, Batch, Card, Employment, InsuredPerson
from services import enrollment
from tests.conftest import USE_POSTGRES

from .helpers import enroll, register, rows


@contextmanager
def statements(app):
    seen: list[str] = []
    engine = app.extensions["db"].engine

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def totals(session) -> dict:
    session.expire_all()
    return {m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Batch, InsuredPerson, Card, Employment, AuditEvent)}


def test_statement_count_stays_bounded(app, client, session, employer):
    _, headers = employer
    body = rows(1000)
    register(session, body)
    with statements(app) as seen:
        answer = enroll(client, headers, body).get_json()
    assert answer["enrolled"] == 1000
    assert len(seen) < 30, len(seen)  # 12 to 14: a handful per 5,000-row chunk, not one per row


def test_statement_count_with_existing_people(app, client, session, employer, other_employer):
    body = rows(1000)
    register(session, body)
    enroll(client, other_employer[1], body)
    with statements(app) as seen:
        answer = enroll(client, employer[1], body).get_json()
    assert answer["enrolled"] == 1000
    assert len(seen) < 30, len(seen)


def test_fault_after_half_the_rows_leaves_nothing_and_the_key_can_be_retried(
        app, client, session, employer, monkeypatch):
    _, headers = employer
    body = rows(10)
    register(session, body)
    before = totals(session)
    real = enrollment.write_chunk
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash after the first half")
        return real(*args, **kwargs)

    monkeypatch.setattr(enrollment, "CHUNK", 5)
    monkeypatch.setattr(enrollment, "write_chunk", failing)
    resp = enroll(client, headers, body, idem="crash-key")
    assert resp.status_code == 500 and resp.get_json()["code"] == "internal_error"
    assert len(calls) == 2
    assert totals(session) == before
    monkeypatch.setattr(enrollment, "write_chunk", real)
    resp = enroll(client, headers, body, idem="crash-key")
    assert resp.status_code == 200 and resp.get_json()["enrolled"] == 10
    assert totals(session)["InsuredPerson"] == 10


def _parallel(n, fn):
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def run(i):
        barrier.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL for real concurrency")
def test_parallel_batches_of_new_people_get_unique_codes(app, session, employer, monkeypatch):
    from services import bhxh_codes

    _, headers = employer
    batches = [rows(100) for _ in range(10)]
    register(session, [r for b in batches for r in b])
    # A tiny code space forces clashes between the concurrent batches: the unique constraint and
    # the retry must still give every person a distinct code.
    real = bhxh_codes._candidate
    monkeypatch.setattr(bhxh_codes, "_candidate", lambda prefix: real(prefix)[:6] + real(prefix)[-4:][:1] + "000")
    answers = _parallel(10, lambda i: enroll(app.test_client(), headers, batches[i]))
    assert [a.status_code for a in answers] == [200] * 10, [a.get_json() for a in answers]
    codes = [r["bhxh_code"] for a in answers for r in a.get_json()["results"]]
    assert len(codes) == 1000 and len(set(codes)) == 1000
    session.expire_all()
    stored = session.scalars(select(InsuredPerson.bhxh_code)).all()
    assert sorted(stored) == sorted(codes)


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL for real concurrency")
def test_same_key_from_two_threads_makes_one_batch(app, session, employer):
    _, headers = employer
    body = rows(300)
    register(session, body)
    answers = _parallel(2, lambda i: enroll(app.test_client(), headers, body, idem="racing-key"))
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200, 200], [200, 409]), [a.get_json() for a in answers]
    done = [a.get_json() for a in answers if a.status_code == 200]
    assert len({d["batch_id"] for d in done}) == 1
    if 409 in statuses:
        assert [a for a in answers if a.status_code == 409][0].get_json()["code"] == "idempotency_key_in_progress"
    t = totals(session)
    assert (t["Batch"], t["InsuredPerson"], t["Employment"], t["Card"]) == (1, 300, 300, 300)


@pytest.mark.postgres
@pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL for real concurrency")
def test_parallel_batches_enrolling_the_same_people_enroll_each_once(app, session, employer):
    _, headers = employer
    body = rows(50)
    register(session, body)
    answers = _parallel(4, lambda i: enroll(app.test_client(), headers, body))
    assert [a.status_code for a in answers] == [200] * 4, [a.get_json() for a in answers]
    assert sum(a.get_json()["enrolled"] for a in answers) == 50
    t = totals(session)
    assert (t["InsuredPerson"], t["Employment"], t["Card"]) == (50, 50, 50)
