"""The database throttle store (REDIS_URL unset): sliding windows, peek, and one winner per slot
under concurrency, on SQLite and PostgreSQL (whichever the suite runs on)."""
from __future__ import annotations

import threading
import uuid

import pytest

from auth.sql_throttle import SqlThrottle
from db import make_engine


@pytest.fixture
def store(app, database_url):
    engine = make_engine(database_url)
    yield SqlThrottle(engine, f"t:{uuid.uuid4().hex[:8]}:")
    engine.dispose()


def test_window_peek_and_forget(store, frozen_clock):
    assert [store.hit("k", 3, 60).allowed for _ in range(4)] == [True, True, True, False]
    assert store.peek("k", 3, 60).allowed is False
    verdict = store.hit("k", 3, 60)
    assert not verdict.allowed and verdict.retry_after == 60
    frozen_clock.advance(seconds=60)
    assert store.peek("k", 3, 60).allowed and store.hit("k", 3, 60).allowed
    store.forget("k")
    assert [store.hit("k", 1, 60).allowed for _ in range(2)] == [True, False]


def test_peek_does_not_count(store):
    for _ in range(10):
        assert store.peek("p", 1, 60).allowed
    assert store.hit("p", 1, 60).allowed and not store.hit("p", 1, 60).allowed


def test_concurrent_hits_take_exactly_the_limit(store):
    results, barrier = [], threading.Barrier(16)

    def worker():
        barrier.wait()
        for _ in range(3):
            results.append(store.hit("race", 5, 3600).allowed)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 5 and len(results) == 48
