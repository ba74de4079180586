"""The throttle store on the database (REDIS_URL unset): the same sliding windows as Redis, shared
by every worker and process.

A hit is one short transaction on its own connection (never the request's session, whose rollback
must not give a counted SMS back): take the key's row lock, drop the hits older than the window,
count, add. The lock is `SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the first INSERT takes the
database's write lock (WAL, busy_timeout), which serialises the same way. So two workers can never
both take the last slot. Measured cost and the reasons for the choice: docs/security.md.
"""
from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

import clock
from models import ThrottleHit, ThrottleKey


class SqlThrottle:
    def __init__(self, engine: Engine, prefix: str = "vssid:throttle:") -> None:
        self._engine = engine
        self._prefix = prefix
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    def hit(self, key: str, limit: int, window: float, count: bool = True):
        from auth.throttle import ThrottleUnavailable, Verdict

        k = self._prefix + key
        now = clock.now().timestamp()
        try:
            with self._engine.begin() as conn:
                conn.execute(self._insert(ThrottleKey).values(key=k).on_conflict_do_nothing())
                conn.execute(select(ThrottleKey.key).where(ThrottleKey.key == k).with_for_update())
                conn.execute(delete(ThrottleHit).where(ThrottleHit.key == k, ThrottleHit.at <= now - window))
                n, oldest = conn.execute(
                    select(func.count(), func.min(ThrottleHit.at)).where(ThrottleHit.key == k)).one()
                if n >= limit:
                    return Verdict(False, max(0.0, oldest + window - now))
                if count:
                    conn.execute(insert(ThrottleHit).values(key=k, at=now))
                return Verdict(True)
        except SQLAlchemyError as exc:
            raise ThrottleUnavailable(f"throttle store: {type(exc).__name__}") from exc

    def hit_all(self, rules: list[tuple[str, int, float]]):
        """Fixed windows (auth.throttle.window_keys) in one transaction: count one event in every
        rule, unless one is full. The keys are locked in sorted order, so two workers never deadlock."""
        from auth.throttle import ThrottleUnavailable, Verdict, window_keys

        keyed = sorted((self._prefix + k, limit, ttl) for k, limit, ttl in window_keys(rules))
        now = clock.now().timestamp()
        try:
            with self._engine.begin() as conn:
                for k, _limit, _ttl in keyed:
                    conn.execute(self._insert(ThrottleKey).values(key=k).on_conflict_do_nothing())
                    conn.execute(select(ThrottleKey.key).where(ThrottleKey.key == k).with_for_update())
                for k, limit, ttl in keyed:
                    if conn.execute(select(func.count()).where(ThrottleHit.key == k)).scalar_one() >= limit:
                        return Verdict(False, float(ttl))
                conn.execute(insert(ThrottleHit), [{"key": k, "at": now} for k, _l, _t in keyed])
                return Verdict(True)
        except SQLAlchemyError as exc:
            raise ThrottleUnavailable(f"throttle store: {type(exc).__name__}") from exc

    def peek(self, key: str, limit: int, window: float):
        return self.hit(key, limit, window, count=False)

    def forget(self, key: str) -> None:
        from auth.throttle import ThrottleUnavailable

        k = self._prefix + key
        try:
            with self._engine.begin() as conn:
                conn.execute(delete(ThrottleHit).where(ThrottleHit.key == k))
        except SQLAlchemyError as exc:
            raise ThrottleUnavailable(f"throttle store: {type(exc).__name__}") from exc

    def reset(self) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(ThrottleHit).where(ThrottleHit.key.startswith(self._prefix)))
            conn.execute(delete(ThrottleKey).where(ThrottleKey.key.startswith(self._prefix)))
