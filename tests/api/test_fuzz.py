"""Property-based fuzzing of every operation in /openapi.json with schemathesis (issue 7, item 1).

Each generated call carries the credentials of a persona drawn with it: mostly the role the operation
is for (so the call gets past the guard into the service), sometimes anonymous or another role. Path
values are sometimes the seeded objects (tests/api/fuzz_world.py). Every answer must be below 500
and match the documented status, content type, headers and schema (problem documents included).
The run is derandomized: the same cases every time.
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter, defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks as sc
from schemathesis.specs.openapi import checks as oc

from tests.api import fuzz_world

EXAMPLES = 20
# The role each path is for; None = public. Longest prefix wins.
NATURAL = {
    "/api/v1/auth/refresh": "refresh",
    "/api/v1/auth/logout": "citizen",
    "/api/v1/me": "citizen",
    "/api/v1/officer": "officer",
    "/api/v1/clinic": "clinic",
    "/api/v1/cards/revoked": "clinic",
    "/api/egw": "clinic",
    "/api/v1/employer": "employer",
}
PERSONAS = ["natural"] * 6 + ["anonymous", *fuzz_world.ROLES]
CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_headers_conformance,
    oc.response_schema_conformance,
]

PERSONA_HEADER = "X-Fuzz-Persona"
_statuses: dict[str, Counter] = defaultdict(Counter)  # operation -> status -> cases


def natural_role(path: str) -> str | None:
    best = max((p for p in NATURAL if path == p or path.startswith(p + "/") or path.startswith(p + ".")),
               key=len, default=None)
    return NATURAL[best] if best else None


@pytest.fixture
def world(app, session):
    return fuzz_world.build(app, session)


def _resolve_seeded(case, world) -> None:
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, str) and value.startswith(SEED_MARK):
            values = getattr(world, SEEDED[name])
            case.path_parameters[name] = values[int(value[len(SEED_MARK):]) % len(values)]


def _spec_app():
    """The spec does not depend on data: read it once from a throwaway app, so that each operation is
    its own pytest item; the calls go to the test's own app (`app=` below)."""
    from app import create_app

    tmp = tempfile.mkdtemp(prefix="fuzz-spec-")
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "s" * 40,
                       "INSTANCE_DIR": tmp, "CARD_KEYS_DIR": tmp + "/keys", "SMS_BACKEND": "console"})


schema = schemathesis.openapi.from_wsgi("/openapi.json", _spec_app())
SEED_MARK = "@seeded:"
SEEDED = {"review_id": "review_ids", "card_number": "card_numbers", "batch_id": "batch_ids"}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Often a seeded object, so approve/revoke/batch lookups reach their service. Examples are drawn
    # at collection, before any world exists: a placeholder here, the real value in the test.
    options = [st.just(path_parameters)]
    for name in SEEDED:
        if name in (path_parameters or {}):
            options.append(st.integers(0, 1).map(lambda i, n=name: {**path_parameters, n: f"{SEED_MARK}{i}"}))
    return st.one_of(*options)


@schema.hook
def flatmap_headers(context, headers):
    if headers and "Idempotency-Key" in headers:
        # Mostly a well-formed key, so that the batch gets parsed and applied.
        return st.one_of(st.just(headers), *[st.uuids().map(lambda u: {**headers, "Idempotency-Key": str(u)})] * 3)
    return st.just(headers)


@schema.hook
def flatmap_body(context, body):
    realistic = fuzz_world.realistic_bodies(f"{context.operation.method.upper()} {context.operation.path}")
    if not realistic or not isinstance(body, dict):
        return st.just(body)
    return st.one_of(st.just(body), st.sampled_from(realistic))


@schema.hook
def flatmap_case(context, case):
    # Who calls is drawn with the case (schemathesis examples do not mix with @given); the test takes
    # this marker out before sending.
    def with_persona(persona):
        case.headers = {**(case.headers or {}), PERSONA_HEADER: persona}
        return case

    return st.sampled_from(PERSONAS).map(with_persona)


@pytest.fixture(scope="module", autouse=True)
def _report_count(request):
    yield
    total = sum(sum(c.values()) for c in _statuses.values())
    lines = [f"schemathesis: {total} fuzzed cases sent to {len(_statuses)} operations"]
    if os.environ.get("FUZZ_STATUS_REPORT"):
        lines += [f"  {op}: {dict(sorted(c.items()))}" for op, c in sorted(_statuses.items())]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line("\n" + "\n".join(lines))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation(case, world):
    persona = case.headers.pop(PERSONA_HEADER, "natural") if case.headers else "natural"
    _resolve_seeded(case, world)
    role = natural_role(case.path) if persona == "natural" else None if persona == "anonymous" else persona
    resp = case.call(headers=world.headers(role), app=world.app)
    _statuses[f"{case.operation.method.upper()} {case.operation.path}"][resp.status_code] += 1
    case.validate_response(resp, checks=CHECKS, headers=dict(resp.request.headers), transport_kwargs={"app": world.app})
