"""Sliding-window counters for OTP sends, resend cooldowns, link attempts, login failures and the
per-address limits.

Backed by Redis when REDIS_URL is set, else by the database (`SqlThrottle`, tables throttle_keys and
throttle_hits): either way every gunicorn worker and every process shares the counts, so a limit
of 5 is 5 whatever the worker count (docs/security.md "Shared limits"). `MemoryThrottle` is for unit
tests of a single process only. Time comes from `clock.now()`, so tests can move it. If the store is
unreachable the caller gets ThrottleUnavailable and must refuse (fail closed): an SMS we cannot
count is an SMS we do not send.

`hit` counts an event if the limit allows it; `peek` asks the same question without counting (the
login's per-address and lockout rules count failures only, so they peek first and hit on failure).
"""
from __future__ import annotations

import threading
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass

from sqlalchemy import Engine

import clock
from errors import AdapterUnavailable
from policy import UNAVAILABLE_RETRY_AFTER_S


class ThrottleUnavailable(AdapterUnavailable):
    """The counter store is away: fail closed. Its callers are the OTP sends and the link attempts;
    the answer is the one the OTP flow has always given (clients know `otp_unavailable`)."""

    code = "otp_unavailable"
    detail = "Codes cannot be sent right now; try again shortly."
    retry_after = UNAVAILABLE_RETRY_AFTER_S


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0


class MemoryThrottle:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._windows: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: float, count: bool = True) -> Verdict:
        """Count one event unless `limit` events already happened in the last `window` seconds."""
        now = clock.now().timestamp()
        with self._lock:
            q = self._hits[key]
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return Verdict(False, q[0] + window - now)
            if count:
                q.append(now)
            return Verdict(True)

    def peek(self, key: str, limit: int, window: float) -> Verdict:
        return self.hit(key, limit, window, count=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self._windows.clear()

    def hit_all(self, rules: list[tuple[str, int, float]]) -> Verdict:
        """Fixed windows (see `window_keys`): count one event in every rule, unless one is full."""
        keyed = window_keys(rules)
        with self._lock:
            for key, limit, ttl in keyed:
                if self._windows.get(key, 0) >= limit:
                    return Verdict(False, ttl)
            for key, _limit, _ttl in keyed:
                self._windows[key] = self._windows.get(key, 0) + 1
            if len(self._windows) > 100_000:  # old windows: drop them all now and then
                current = {k for k, _l, _t in keyed}
                self._windows = {k: v for k, v in self._windows.items() if k in current}
        return Verdict(True)


# Trim, count and add in one atomic step, so two workers cannot both take the last slot.
_LUA_HIT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + window - now)}
end
if member == '' then return {1, '0'} end
redis.call('ZADD', key, now, member)
redis.call('EXPIRE', key, math.ceil(window) + 1)
return {1, '0'}
"""

# Fixed windows for several rules in one round trip: refuse if any window is full, else count in all.
_LUA_HIT_ALL = """
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[2 * i - 1]) then
    return {0, ARGV[2 * i]}
  end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i]) end
end
return {1, '0'}
"""
_WINDOW_OFFSET_S = 7 * 3600  # day windows start at midnight in Vietnam (UTC+7)


def window_keys(rules: list[tuple[str, int, float]]) -> list[tuple[str, int, int]]:
    """(key of the current fixed window, limit, seconds until it ends) for each (key, limit, window)."""
    now = clock.now().timestamp() + _WINDOW_OFFSET_S
    out = []
    for key, limit, window in rules:
        index, into = divmod(now, window)
        out.append((f"{key}:{int(window)}:{int(index)}", limit, max(1, int(window - into) + 1)))
    return out


from auth.sql_throttle import SqlThrottle  # noqa: E402  (it uses Verdict and ThrottleUnavailable)


class RedisThrottle:
    def __init__(self, url: str, prefix: str = "vssid:throttle:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix
        self._script = self._redis.register_script(_LUA_HIT)
        self._hit_all = self._redis.register_script(_LUA_HIT_ALL)

    def hit(self, key: str, limit: int, window: float, count: bool = True) -> Verdict:
        import redis

        try:
            allowed, retry = self._script(
                keys=[self._prefix + key],
                args=[clock.now().timestamp(), window, limit, uuid.uuid4().hex if count else ""],
            )
        except redis.RedisError as exc:
            raise ThrottleUnavailable(str(exc)) from exc
        return Verdict(bool(int(allowed)), float(retry))

    def peek(self, key: str, limit: int, window: float) -> Verdict:
        return self.hit(key, limit, window, count=False)

    def forget(self, key: str) -> None:
        import redis

        try:
            self._redis.delete(self._prefix + key)
        except redis.RedisError as exc:
            raise ThrottleUnavailable(str(exc)) from exc

    def hit_all(self, rules: list[tuple[str, int, float]]) -> Verdict:
        import redis

        keyed = window_keys(rules)
        args: list = []
        for _key, limit, ttl in keyed:
            args += [limit, ttl]
        try:
            allowed, retry = self._hit_all(keys=[self._prefix + k for k, _l, _t in keyed], args=args)
        except redis.RedisError as exc:
            raise ThrottleUnavailable(str(exc)) from exc
        return Verdict(bool(int(allowed)), float(retry))

    def reset(self) -> None:
        for k in self._redis.scan_iter(self._prefix + "*"):
            self._redis.delete(k)


def make(redis_url: str | None, prefix: str = "vssid:throttle:", engine: Engine | None = None):
    """Redis when configured, else the database every worker shares (memory only without either)."""
    if redis_url:
        return RedisThrottle(redis_url, prefix)
    return SqlThrottle(engine, prefix) if engine is not None else MemoryThrottle()
