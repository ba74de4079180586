"""Answers that carry a credential (an access or refresh token, a TOTP secret) must not be kept by
any cache (RFC 6749 §5.1: `Cache-Control: no-store`). Decided by the answer itself, so an endpoint
added later that hands out a token is covered too."""
from __future__ import annotations

from flask import Response

_SECRETS = (b'"access_token"', b'"refresh_token"', b'"otpauth_uri"', b'"secret"')
_MAX_SCAN = 64 * 1024  # token answers are small; a large JSON page is never one


def no_store_for_secrets(response: Response) -> Response:
    if response.direct_passthrough or response.mimetype != "application/json":
        return response
    length = response.content_length
    if length is None or length > _MAX_SCAN:
        return response
    body = response.get_data()
    if any(marker in body for marker in _SECRETS):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
