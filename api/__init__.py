"""HTTP layer: one package per resource, registered here in OpenAPI tag order."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SessionInterface

from . import docs, headers
from .smorest import Api

API_PREFIX = "/api/v1"


class NoCookieSessions(SessionInterface):
    """The API authenticates with bearer tokens only and never uses `flask.session`: no signing
    serializer to build and no cookie to parse on every request (~50 µs each)."""

    def open_session(self, app, request):
        return None  # Flask substitutes its empty, read-only NullSession

    def save_session(self, app, session, response):
        pass


def register_blueprints(app: Flask) -> Api:
    from . import (
        auth,
        births,
        campaign,
        cards,
        clinic,
        employer,
        family,
        gateway,
        health,
        links,
        me,
        notifications,
        oauth,
        officer,
        participation,
        visits,
    )

    app.config.update(
        API_TITLE="VssID-style health-insurance backend",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
    )
    docs.register(app)  # Swagger UI from the pinned package, and /docs/problems
    app.after_request(headers.no_store_for_secrets)
    api = Api(app, spec_kwargs={
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        }},
    })
    health.register(api)  # /healthz, /readyz (and under the prefix)
    for module in (auth, me, oauth, links, officer, campaign, cards, clinic, employer, participation,
                   notifications, visits, family, births):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.blp.url_prefix)
    gateway.register(api)  # /api/egw/... as the national gateway spells it
    cards.register_root(api)  # /.well-known/jwks.json
    app.extensions["api"] = api
    return api
