"""flask-smorest wired to our problem documents, plus the request-body content-type guard."""
from __future__ import annotations

import http
import json
import re
from collections.abc import Callable
from copy import deepcopy

import flask_smorest
from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest.utils import deepupdate, prepare_response
from marshmallow import INCLUDE, Schema, fields

from auth.roles import roles_required
from errors import AppError, PayloadTooLarge, ValidationFailed

from . import openapi, text_guard
from .errors import PROBLEM_MIME, handle_http_exception

JSON_TYPES = frozenset({"application/json"})
BEARER = [{"bearer": []}]


class ProblemSchema(Schema):
    """RFC 9457 problem document, as api/errors.py writes it. Extra members (attempts_left,
    retry_after, error, ...) vary by code, so the object stays open."""

    class Meta:
        name = "Problem"
        unknown = INCLUDE  # documented as additionalProperties: true

    type = fields.String(required=True, metadata={"example": "/docs/problems#not_found",
                                                  "description": "/docs/problems#<code>, relative to this server"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "stable snake_case error code"})
    errors = fields.Dict(metadata={"description": "field -> messages"})


class DepthSafeParser(flask_smorest.Blueprint.ARGUMENTS_PARSER.__class__):
    """json.loads raises RecursionError, not a JSONDecodeError, on input nested thousands deep:
    make it the malformed JSON it is (422 validation_error), not a 500."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError as exc:
            raise json.JSONDecodeError("JSON nested too deeply", "(nested too deeply)", 0) from exc


def _document(fn: Callable, security: list, refused: tuple[int, ...] = ()) -> Callable:
    """Write `security` and the refusal responses into the view's OpenAPI doc, where flask-smorest's
    own decorators keep theirs, without another wrapper around the view (the card check is hot)."""
    doc = deepcopy(getattr(fn, "_apidoc", {}))
    doc["manual_doc"] = deepupdate(doc.get("manual_doc", {}), {"security": security})
    responses = doc.setdefault("response", {}).setdefault("responses", {})
    for status in refused:
        responses.setdefault(status, []).append(http.HTTPStatus(status).name)  # the lazy problem response
    fn._apidoc = doc
    return fn


class Blueprint(flask_smorest.Blueprint):
    """The project's blueprint: flask-smorest's, with the depth-safe argument parser, and the guard
    that documents itself. Every view has one decorator order:

        @blp.route(...)
        @blp.roles_required(CITIZEN)     # or @blp.public; first, so a bad token is 401 before a body is read
        @blp.arguments(...)              # then the body / query
        @blp.response(...)               # then the answer (alt_response, doc as needed)
    """

    ARGUMENTS_PARSER = DepthSafeParser()

    @staticmethod
    def roles_required(*roles: str) -> Callable:
        """401 without a valid access token, 403 with a token of another role; documented as the
        `bearer` security scheme with its 401 and 403 problem responses."""

        def decorator(fn: Callable) -> Callable:
            return _document(roles_required(*roles)(fn), BEARER, (401, 403))

        return decorator

    @staticmethod
    def bearer_checked_by_view(fn: Callable) -> Callable:
        """A Bearer token the view checks itself (the refresh token): documented, not guarded here."""
        return _document(fn, BEARER, (401,))

    @staticmethod
    def public(fn: Callable) -> Callable:
        """No token needed (documented as `security: []`)."""
        return _document(fn, [])


class JSONProvider(DefaultJSONProvider):
    """request.get_json() (the clinic and gateway checks read raw JSON): too deep = malformed."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, **kwargs):
        """Every reader of the document (/openapi.json, tests, tools) gets it finished by api/openapi.py."""
        super()._init_spec(**kwargs)
        raw = self.spec.to_dict
        self.spec.to_dict = lambda: openapi.complete(raw(), self._app)  # type: ignore[method-assign]

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self):
        """flask-smorest's lazy per-status and DEFAULT_ERROR responses, but as what we really send:
        application/problem+json with the problem schema (every operation refers to DEFAULT_ERROR)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIME)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document (RFC 9457): 4xx for the caller's errors, 503 when "
                                   "a dependency is briefly away", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def accepts(*mimetypes: str) -> Callable:
    """Allow request bodies of these types on a view (JSON only by default)."""

    def decorate(fn):
        fn._accepts = frozenset(mimetypes)
        return fn

    return decorate


def check_content_type() -> None:
    """before_request: a body over the limit is 413 before anything reads it; a body of a type the
    endpoint does not take is 415, not a confusing 422."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise _too_large(limit)
    if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
        raise _nul_error()
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        _read_chunked_body(limit)
    elif not request.content_length:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    allowed = getattr(handler, "_accepts", JSON_TYPES)
    if request.mimetype not in allowed:
        raise UnsupportedMediaType(f"Content-Type must be one of: {', '.join(sorted(allowed))}.")
    _reject_nul_in_body()


def _read_chunked_body(limit: int | None) -> None:
    """A chunked body has no Content-Length to refuse early: read it (werkzeug stops at the limit)
    and answer 413 if anything is left, instead of handing the view a silently truncated body."""
    data = request.get_data(cache=True)
    if limit and len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise _too_large(limit)


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is over {limit // (1024 * 1024)} MiB.")


# A JSON \u0000 escape not itself escaped (an odd run of backslashes before the "u").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _nul_error() -> ValidationFailed:
    return ValidationFailed({"_request": ["NUL characters (U+0000) are not allowed."]})


def _reject_nul_in_body() -> None:
    """U+0000 is never meaningful in this API, and PostgreSQL text cannot hold it (a driver error,
    i.e. a 500, deep in a query): refuse it at the door, the same on every database."""
    if request.mimetype in _FORMS:
        if any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)):
            raise _nul_error()
        return
    data = request.get_data(cache=True)  # cached: the view's parser reads the same bytes
    if b"\x00" in data or (b"\\u0000" in data and _JSON_NUL.search(data)):
        raise _nul_error()
    if request.is_json:
        text_guard.check_json_body(data)
    else:
        text_guard.check_text_body(data)
