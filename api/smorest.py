"""flask-smorest wired to our problem documents, plus the request-body content-type guard."""
from __future__ import annotations

from typing import Callable

import flask_smorest
from flask import current_app, request

from .errors import ApiError, handle_http_exception

JSON_TYPES = frozenset({"application/json"})


class Api(flask_smorest.Api):
    def handle_http_exception(self, error):
        return handle_http_exception(error)


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
        raise ApiError(413, "payload_too_large", f"The request body is over {limit // (1024 * 1024)} MiB.")
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), view)
    allowed = getattr(handler, "_accepts", JSON_TYPES)
    if request.mimetype not in allowed:
        raise ApiError(
            415, "unsupported_media_type",
            f"Content-Type must be one of: {', '.join(sorted(allowed))}.",
        )

