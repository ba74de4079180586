"""The finishing pass over the whole OpenAPI document, run every time it is served.

It is a rule per fact, not an edit per route, so that a route added later is finished the same way:
every operation gets an `operationId` (its Flask endpoint), the problem answers it can give (401/403
from the role decorator, 404 for a path parameter, 415/422 for a body, 429 for an address limit,
plus the few a view's rules add, in `EXTRA`), a binary schema for a non-JSON download, one media
type per request body (JSON; a generated client cannot take two), `required` on every field of a
response schema (unless `x-optional`), an `enum` for a status field documented as `a | b | c`, and
`servers`.
"""
from __future__ import annotations

import re
from copy import deepcopy
from http import HTTPStatus
from typing import Any

from flask import Flask, has_request_context, request
from flask_smorest.spec.plugins import FlaskPlugin

JSON = "application/json"
PROBLEM_MIME = "application/problem+json"
BODY_METHODS = frozenset({"post", "put", "patch"})
# What a view's own rules answer beyond the mechanical ones (keyed by operationId).
EXTRA: dict[str, tuple[int, ...]] = {
    "auth_register": (409,),
    "auth_register_verify": (404, 409),
    "auth_login": (401,),
    "auth_login_verify": (401, 404),
    "auth_otp_resend": (404,),
    "links_link_post": (404, 409, 429),
    "cards_my_card": (404,),
    "cards_my_card_qr_svg": (404,),
    "cards_my_card_qr_png": (404,),
    "employer_enroll": (409,),
    "employer_terminate": (409,),
    "oauth_token": (400, 401),
    "officer_approve_review": (409,),
    "officer_reject_review": (409,),
    "officer_revoke_card": (409,),
    "me_totp_begin": (409,),
    "me_totp_confirm": (400, 409),
}
_ENUM_TEXT = re.compile(r"^[a-z_]+(?: \| [a-z_]+)+$")
_TEXT_MEDIA = ("image/svg+xml", "text/")


def complete(doc: dict, app: Flask) -> dict:
    doc = deepcopy(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    endpoints = _endpoints(app)
    used: set[str] = set()
    response_refs: set[str] = set()
    request_refs: set[str] = set()
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if method == "parameters" or not isinstance(op, dict):
                continue
            endpoint = endpoints.get((path, method), f"{method}_{path}")
            if getattr(app.view_functions.get(endpoint), "view_class", None):  # a MethodView: one id per method
                endpoint = f"{endpoint}_{method}"
            op["operationId"] = _operation_id(endpoint, path, used)
            view = app.view_functions.get(endpoints.get((path, method), ""))
            _answers(op, method, path, ops.get("parameters", []), view, doc["components"])
            _downloads(op)
            _one_media_type(op)
            _collect(op.get("requestBody", {}), request_refs)
            for status, response in op.get("responses", {}).items():
                if str(status).startswith("2"):
                    _collect(response, response_refs)
    for name in _closure(response_refs, schemas) - _closure(request_refs, schemas):
        _require_all(schemas[name])
    for schema in schemas.values():
        _enums(schema)
    doc["servers"] = [{"url": _server_url(), "description": "this server"}]
    return doc


def _endpoints(app: Flask) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        path = FlaskPlugin.flaskpath2openapi(rule.rule)
        for method in rule.methods or ():
            found.setdefault((path, method.lower()), rule.endpoint)
    return found


def _operation_id(endpoint: str, path: str, used: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", endpoint).strip("_").lower()
    if name in used:  # the same view at a second path (the JWKS at the root and under the prefix)
        name = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}_{path}").strip("_").lower()
    used.add(name)
    return name


def _answers(op: dict, method: str, path: str, path_params: list, view: Any, components: dict) -> None:
    responses = op.setdefault("responses", {})
    statuses: set[int] = set(EXTRA.get(op["operationId"], ()))
    if "{" in path or any(p.get("in") == "path" for p in path_params + op.get("parameters", [])):
        statuses.add(404)
    if method in BODY_METHODS and "requestBody" in op:
        statuses.update((413, 415, 422))
    if getattr(view, "_address_limit", None):
        statuses.add(429)
    if any(p.get("in") == "query" for p in op.get("parameters", [])):
        statuses.add(422)
    for status in sorted(statuses):
        name = HTTPStatus(status).name
        components.setdefault("responses", {}).setdefault(name, {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MIME: {"schema": {"$ref": "#/components/schemas/Problem"}}}})
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{name}"})


def _downloads(op: dict) -> None:
    for response in op.get("responses", {}).values():
        for media, body in response.get("content", {}).items():
            if "json" not in media and "schema" not in body:
                text = media.startswith(_TEXT_MEDIA)
                body["schema"] = {"type": "string"} if text else {"type": "string", "format": "binary"}


def _one_media_type(op: dict) -> None:
    """A body several media types can carry (/oauth/token, the gateway: JSON or a form) is documented
    under JSON, the others named in `x-also-accepts` and the description: generated clients (e.g.
    openapi-python-client 0.29) break on a body with two media types."""
    body = op.get("requestBody", {})
    content = body.get("content", {})
    if JSON not in content or len(content) < 2:
        return
    others = sorted(m for m in content if m != JSON)
    body["content"] = {JSON: content[JSON]}
    body["x-also-accepts"] = others
    body["description"] = (body.get("description", "") + " Also accepted as: " + ", ".join(others)).strip()


def _collect(node: Any, refs: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            refs.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _collect(value, refs)
    elif isinstance(node, list):
        for value in node:
            _collect(value, refs)


def _closure(names: set[str], schemas: dict) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        found: set[str] = set()
        _collect(schemas[name], found)
        todo.extend(found - seen)
    return seen


def _require_all(schema: dict) -> None:
    props = schema.get("properties", {})
    required = [k for k, v in props.items() if not v.pop("x-optional", False)]
    if required:
        schema["required"] = sorted(set(schema.get("required", [])) | set(required))


def _enums(schema: dict) -> None:
    for prop in schema.get("properties", {}).values():
        text = prop.get("description", "")
        if prop.get("type") == "string" and "enum" not in prop and _ENUM_TEXT.match(text):
            prop["enum"] = text.split(" | ")
            if prop.get("nullable"):
                prop["enum"].append(None)


def _server_url() -> str:
    if has_request_context():
        return request.url_root.rstrip("/") or "/"
    return "/"
