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
import uuid
from collections import Counter, defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks as sc
from schemathesis.specs.openapi import checks as oc

from tests import factories
from tests.api import fuzz_world
from tests.conftest import assert_problem

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))  # more for a deeper local run
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
SEED_MARK = "@seeded:"
EXAMPLE_KEY = "0b6f7c2e-5d1a-4c8e-9f3b-2a7d4e6c1f90"  # api/employer/routes.py documents it
SEEDED = {"review_id": "review_ids", "card_number": "card_numbers", "batch_id": "batch_ids"}
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
    realistic = [b for b in fuzz_world.realistic_bodies(f"{context.operation.method.upper()} {context.operation.path}")
                 if type(b) is type(body)]  # JSON objects for JSON, CSV text for text/csv
    if not realistic:
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
    if not total:
        return
    lines = [f"schemathesis: {total} fuzzed cases sent to {len(_statuses)} operations"]
    if os.environ.get("FUZZ_STATUS_REPORT"):
        lines += [f"  {op}: {dict(sorted(c.items(), key=str))}" for op, c in sorted(_statuses.items())]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture:
        with capture.global_and_fixture_disabled():  # past pytest's fd capture, even without -s
            reporter.write_line("\n" + "\n".join(lines))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"), database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation(case, world):
    persona = case.headers.pop(PERSONA_HEADER, "natural") if case.headers else "natural"
    _resolve_seeded(case, world)
    if case.headers and case.headers.get("Idempotency-Key") == EXAMPLE_KEY:
        # The coverage phase sends the documented example key with every body (422 idempotency_key_reused
        # from the second on): one key per distinct body instead, so that batches get applied.
        case.headers["Idempotency-Key"] = str(uuid.uuid5(uuid.NAMESPACE_URL, repr(case.body)))
    role = natural_role(case.path) if persona == "natural" else None if persona == "anonymous" else persona
    resp = case.call(headers=world.headers(role), app=world.app)
    key = resp.status_code
    if os.environ.get("FUZZ_STATUS_REPORT") == "codes" and "problem" in str(resp.headers.get("content-type")):
        key = f"{resp.status_code}:{resp.json().get('code')}"
    _statuses[f"{case.operation.method.upper()} {case.operation.path}"][key] += 1
    case.validate_response(resp, checks=CHECKS, headers=dict(resp.request.headers), transport_kwargs={"app": world.app})


# What the fuzzer found, pinned as plain regression tests (each was a 500 or an undocumented answer).

@pytest.mark.parametrize("review_id", ["736226650594219495348240384", "2147483648", "0"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_review_id_out_of_range_is_404(app, client, session, review_id, action):
    _, headers = factories.officer(app, session)
    body = {"reason": "G"} if action == "reject" else {"note": "G"}
    resp = client.post(f"/api/v1/officer/link-reviews/{review_id}/{action}", json=body, headers=headers)
    assert_problem(resp, 404, "review_not_found")


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00.0+00:01", "9999-12-31T23:59:59-01:00"])
def test_revoked_feed_since_out_of_range_is_422(app, client, session, since):
    _, headers = factories.clinic(app, session)
    resp = client.get("/api/v1/cards/revoked", query_string={"since": since}, headers=headers)
    assert assert_problem(resp, 422, "validation_error")["errors"]["since"]


def test_spec_documents_problem_documents(client):
    spec = client.get("/openapi.json").get_json()
    default = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(default) == ["application/problem+json"]
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method != "parameters":
                assert op["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, (method, path)


def test_nul_characters_are_refused_with_422(app, client, session):
    """PostgreSQL text cannot hold U+0000: it was a psycopg DataError (500) on PostgreSQL only."""
    _, clinic = factories.clinic(app, session)
    _, officer = factories.officer(app, session)
    _, employer = factories.employer(app, session)
    answers = [
        client.post("/api/v1/auth/otp/resend", json={"challenge_id": "V\u008c\u0000\u00f8"}),
        client.post("/api/v1/auth/login", data='{"phone": "0912345678", "password": "a\\\\\\u0000"}',
                    content_type="application/json"),
        client.get("/api/v1/cards/revoked?since=2026-01-01T00:00:00%2B00:00&after=a%00b", headers=clinic),
        client.post("/api/v1/officer/cards/DN4010123456789%00/revoke", json={"reason": "x"}, headers=officer),
        client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "a\x00",
                                                 "client_secret": "b"}),
        client.post("/api/v1/employer/enrollments", data=b"cccd,full_name\r\n0\x001,A\r\n",
                    headers={**employer, "Idempotency-Key": "k1", "Content-Type": "text/csv"}),
    ]
    for resp in answers:
        assert assert_problem(resp, 422, "validation_error")["errors"]["_request"], resp.request.path
    # An escaped backslash followed by "u0000" is ordinary text, not a NUL.
    resp = client.post("/api/v1/auth/login", data='{"phone": "0912345678", "password": "a\\\\u0000"}',
                       content_type="application/json")
    assert_problem(resp, 401, "invalid_credentials")
