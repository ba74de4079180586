"""What `make bench` measures, in the order it runs, and the hooks that prepare each scenario.

A scenario is one of:
- `wrk`: `entries(ctx)` returns the requests wrk rotates over ([{path, body?, auth?}]);
- `http`: `run(ctx)` drives a multi-step flow or one big request from Python and returns the figures;
- `local`: `run(ctx)` measures code in this process (no server).
Scenarios with a `path` are probed first: a 404 means the endpoint is not built, and the scenario is
reported as skipped. `passes` says whether it runs with the small population, the large one, or both.

Hooks get a `bench.context.Context`: `ctx.sql(...)` on the scratch database, `ctx.flask(...)` for the
operator CLI, `ctx.app()` for an in-process app with the server's key, `ctx.http` (requests), and
`ctx.sms.wait_code(phone, since)` for the codes the server sent.
"""
from __future__ import annotations

from collections.abc import Callable

from bench.base import log
from bench.context import Context
from bench.flows import enrollment_batch, login_flow, qr_offline, query_plans  # noqa: F401
from bench.scenario_data import (  # noqa: F401  (linked_citizens: before_server)
    API,
    CHECK_PATH,
    Scenario,
    card_checks,
    health,
    linked_citizens,
    me_card,
)

# ---------------------------------------------------------------------------------------------------


def before_server(ctx: Context) -> None:
    """Run once after the first seed, before gunicorn starts: a card-signing key for GET /me/card."""
    try:
        ctx.flask("keys", "rotate")
    except Exception as exc:  # an older tree without the command: /me/card creates its key itself
        log(f"flask keys rotate: {exc}")


SCENARIOS = [
    Scenario("healthz", "GET /healthz (ceiling)", "wrk", entries=health("/healthz"), path="/healthz"),
    Scenario("readyz", "GET /readyz (one SELECT 1)", "wrk", entries=health("/readyz"), path="/readyz"),
    Scenario("check_card_number", "card check by card number", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("card_number"), light=True),
    Scenario("check_cccd", "card check by CCCD", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("cccd"), light=True),
    Scenario("check_qr", "card check by QR", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("qr"), light=True),
    Scenario("check_scan", "card check by scanned chip-CCCD QR", "wrk", ("small", "large"), "POST", CHECK_PATH,
             entries=card_checks("scan"), light=True),
    Scenario("me_card", "GET /me/card (signs a QR)", "wrk", path=f"{API}/me/card", entries=me_card),
    Scenario("login_otp", "login + OTP (2 requests, Argon2id)", "http", path=f"{API}/auth/login",
             method="POST", unit="flows/s", run=login_flow),
    Scenario("qr_offline", "offline QR verification (1 core)", "local", unit="verif/s", run=qr_offline),
    Scenario("enrollment_10k", "enrollment batch, 10,000 rows", "http", ("large",), "POST",
             f"{API}/employer/enrollments", unit="rows/s", run=enrollment_batch),
]


# ---------------------------------------------------------------------------------------------------
# Where a check's cost goes (bench/probes.py, on a second server; same requests as the real check)


def _probe(name: str) -> Callable[[Context], list[dict]]:
    return lambda ctx: [{**e, "path": f"/bench/probe/{name}"} for e in card_checks("card_number")(ctx)]


BREAKDOWN = [
    Scenario("probe_healthz", "breakdown: GET /healthz", "wrk", path="/healthz", entries=health("/healthz")),
    Scenario("probe_echo", "breakdown: token + JSON in and out, no database", "wrk", method="POST",
             entries=_probe("echo")),
    Scenario("probe_select", "breakdown: + the check's SELECT", "wrk", method="POST", entries=_probe("select")),
    Scenario("probe_insert", "breakdown: + the check's INSERT (durable), no SELECT", "wrk", method="POST",
             entries=_probe("insert")),
    Scenario("probe_select_insert", "breakdown: SELECT + INSERT, no decision", "wrk", method="POST",
             entries=_probe("select-insert")),
    Scenario("probe_check", "breakdown: the real card check", "wrk", method="POST", path=CHECK_PATH,
             entries=card_checks("card_number")),
]

from bench.slow_gateway import SLOW_GATEWAY  # noqa: E402 - it builds on the helpers above

SCENARIOS.append(SLOW_GATEWAY)

from bench.campaign import SCENARIOS as _CAMPAIGN  # noqa: E402  (issue 18)

SCENARIOS += _CAMPAIGN
from bench.visits import SCENARIOS as _VISIT_SCENARIOS  # noqa: E402  (issue 14, its own file)

SCENARIOS += _VISIT_SCENARIOS
from bench import family  # noqa: E402  (issue 15's scenarios live in their own file)

SCENARIOS += family.SCENARIOS
