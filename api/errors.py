"""Every error leaves as application/problem+json (RFC 9457) with a stable snake_case `code`."""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import psycopg
from flask import Flask, Response, json
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from errors import AdapterUnavailable, AppError, DatabaseUnavailable

log = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"

# Codes for errors raised by Flask/Werkzeug/webargs rather than by our own code.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def problem(status: int, code: str, detail: str | None = None, *, title: str | None = None,
            errors: dict | None = None, headers: dict | None = None, extra: dict | None = None) -> Response:
    body: dict[str, Any] = {
        "type": "/docs/problems#" + code,  # a page per code (api/docs); relative to this server
        "title": title or _phrase(status),
        "status": status,
        "detail": detail or _phrase(status),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _webargs_errors(data: dict) -> dict | None:
    """webargs nests messages under the location (json/query/form); clients want field -> messages."""
    messages = data.get("messages") or data.get("errors")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat["_body" if location in ("json", "form") else location] = fields
    return flat


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = _webargs_errors(data) if data else None
    if errors is not None and status in (400, 422):
        # Malformed JSON, wrong types, unknown fields: all one code (CONTRACT §1).
        return problem(422, "validation_error", "The request has invalid fields.", errors=errors)
    detail = data.get("message") or (error.description if status != 500 else None)
    headers = data.get("headers") or {k: v for k, v in error.get_headers() if k == "Allow"}  # 405 says what is
    return problem(status, _HTTP_CODES.get(status, "error"), detail, headers=headers)


def handle_app_error(error: AppError) -> Response:
    """Every refusal of every layer (errors.AppError and its families), rendered the same way."""
    return problem(error.status, error.code, error.detail, title=error.title, errors=error.errors,
                   headers=error.headers, extra=error.extra)


def handle_adapter_down(error: AdapterUnavailable) -> Response:
    """An outside system is away (registry, SMS gateway, throttle store): its reason goes to the log,
    the client gets the class's one answer."""
    log.warning("%s: %s", error.code, error.reason or type(error).__name__)
    return handle_app_error(error)


def handle_database_down(error: Exception) -> Response:
    """A lost connection or a database that is restarting: tell the client to retry, not "500"."""
    log.warning("database unavailable: %s", type(error).__name__)
    return handle_app_error(DatabaseUnavailable())


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if getattr(error, "connection_invalidated", False):
        return handle_database_down(error)
    log.exception("unhandled error: %s", type(error).__name__)
    return problem(500, "internal_error", "An unexpected error occurred; it has been logged.")


def register(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(AdapterUnavailable, handle_adapter_down)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(psycopg.OperationalError, handle_database_down)  # the hot path's own connection
    app.register_error_handler(Exception, handle_unexpected)
