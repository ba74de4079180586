"""Audit finding: lone UTF-16 surrogates in JSON strings gave 500 on 8 operations.

Now every operation answers 422 validation_error, by one check at body parsing
(api/text_guard.py). The sweep is driven from the OpenAPI document: every operation that takes a
body gets each of its documented fields (and the 8 the audit named) as a lone surrogate, in JSON
escape form and as raw surrogate bytes; 0 answers of 500 or more, and 422 for every JSON body.
"""
from __future__ import annotations

import collections
import json

import pytest

from tests.api import fuzz_world
from tests.conftest import assert_problem

SURROGATE_ESCAPE = "\\ud800"
AUDITED = [  # the 8 operations of the finding
    ("/api/v1/auth/login", "phone"), ("/api/v1/auth/register", "full_name"),
    ("/api/v1/auth/login/verify", "otp"), ("/api/v1/oauth/token", "client_secret"),
    ("/api/v1/clinic/card-checks", "full_name"), ("/api/egw/KQNhanLichSuKCB2024", "hoTen"),
    ("/api/v1/employer/enrollments", "full_name"), ("/api/v1/officer/cards/X/revoke", "reason"),
]


def _fields(spec: dict, op: dict) -> list[str]:
    content = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {})) or ["x"]


def _body(fields: list[str], raw: bool) -> bytes:
    text = json.dumps({name: "a" + SURROGATE_ESCAPE + "b" for name in fields}).replace("\\\\ud800", "\\ud800")
    if raw:  # the same text with the surrogate as bytes ED A0 80 (json.loads takes it: surrogatepass)
        return text.replace("\\ud800", "\udcff").encode("utf-8", "surrogateescape").replace(b"\xff", b"\xed\xa0\x80")
    return text.encode()


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("post", "put", "patch", "delete"):
                yield path, method, op


@pytest.fixture
def world(app, session):
    return fuzz_world.build(app, session)


def test_lone_surrogates_answer_422_on_every_operation(client, world):
    spec = client.get("/openapi.json").get_json()
    server_errors, not_422 = [], []
    from tests.api.test_fuzz import natural_role

    for path, method, op in _operations(spec):
        known = {"review_id": world.review_ids[0], "card_number": world.card_numbers[0],
                 "batch_id": world.batch_ids[0]}
        # Any other path parameter (a notification, a dependant, a visit): the body is refused first.
        url = path.format_map(collections.defaultdict(lambda: "x", known))
        headers = {**world.headers(natural_role(path)), "Content-Type": "application/json",
                   "Idempotency-Key": "0b6f7c2e-5d1a-4c8e-9f3b-2a7d4e6c1f90"}
        for raw in (False, True):
            resp = client.open(url, method=method.upper(), data=_body(_fields(spec, op), raw), headers=headers)
            if resp.status_code >= 500:
                server_errors.append((method, path, raw, resp.status_code))
            elif resp.status_code != 422 or resp.get_json().get("code") != "validation_error":
                not_422.append((method, path, raw, resp.status_code))
    assert server_errors == []  # the figure for the note: 0
    assert not_422 == []


@pytest.mark.parametrize("path,field", AUDITED)
def test_lone_surrogate_in_audited_operation_is_validation_error(client, path, field):
    resp = client.post(path, data=_body([field], raw=False), headers={"Content-Type": "application/json"})
    body = assert_problem(resp, 422, "validation_error")
    assert field in body["errors"]


def test_surrogate_pair_that_is_valid_unicode_still_passes(client):
    resp = client.post("/api/v1/auth/login", data=b'{"phone": "0912345678", "password": "x\\ud83d\\ude00yyyyyy"}',
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 401, resp.get_data(as_text=True)
