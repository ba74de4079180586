"""How many card checks a clinic client and each of its staff members may make (CONTRACT §5a).

Four fixed windows (staff per minute and per day, client per minute and per day), counted in the
throttle store every worker shares (auth/throttle.py: Redis when REDIS_URL is set), all four in
one round trip. A refused check is not counted and not stored: it never reached the decision.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from auth.throttle import ThrottleUnavailable
from errors import RateLimited
from policy import CLINIC_CHECK_LIMITS

MINUTE, DAY = 60.0, 86_400.0
log = logging.getLogger(__name__)


class ChecksRateLimited(RateLimited):
    code = "rate_limited"


@dataclass(frozen=True)
class CheckLimits:
    staff_per_minute: int
    staff_per_day: int
    client_per_minute: int
    client_per_day: int

    @classmethod
    def from_config(cls, cfg: Any) -> CheckLimits:
        return cls(*(int(cfg.get(name, default)) for name, default in CLINIC_CHECK_LIMITS.items()))


def count(throttle: Any, limits: CheckLimits, client_id: str, staff_cccd: str | None) -> None:
    """Count one check of this client by this staff member; ChecksRateLimited when a window is full.
    An ill-formed staff CCCD counts under one shared key of the client, so it buys no extra room."""
    staff = f"check:s:{client_id}:{staff_cccd if staff_cccd and staff_cccd.isdigit() else '-'}"
    client = f"check:c:{client_id}"
    rules = [(key, limit, window) for key, limit, window in (
        (staff, limits.staff_per_minute, MINUTE), (staff, limits.staff_per_day, DAY),
        (client, limits.client_per_minute, MINUTE), (client, limits.client_per_day, DAY)) if limit > 0]
    if not rules:  # every limit set to 0: switched off (no round trip at all)
        return
    try:
        verdict = _hit(throttle, rules)
    except ThrottleUnavailable as exc:
        # Fail open: a desk that cannot check cards turns patients away, and the check is still
        # authenticated, stored and audited; the outage is logged (OTP sends, by contrast, fail closed).
        log.warning("check limits not counted, the counter store is away: %s", exc)
        return
    if verdict is None:
        return
    if not verdict.allowed:
        raise ChecksRateLimited("Too many card checks; try again later.", retry_after=verdict.retry_after)


def _hit(throttle: Any, rules: list[tuple[str, int, float]]):
    hit_all = getattr(throttle, "hit_all", None)
    if hit_all is not None:
        return hit_all(rules)
    # A store without the one-round-trip form: the same windows, one call each.
    return next((v for v in (throttle.hit(f"{k}:{int(w)}", n, w) for k, n, w in rules) if not v.allowed), None)
