"""The documentation pages: Swagger UI's assets from the pinned `swagger-ui-bundle` package (no CDN:
the page works on a closed hospital network) and /docs/problems, the page every problem `type`
points at (one anchor per `code`)."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template_string, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from . import problems

ASSETS = "/docs/assets/"
blp = Blueprint("docs_pages", __name__)


@blp.get(ASSETS + "<path:name>")
def asset(name: str) -> Response:
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)


@blp.get("/docs/problems")
def problem_page() -> str:
    return render_template_string(problems.PAGE, rows=problems.table())


def register(app: Flask) -> None:
    """Before the API's own /docs rule is built, so flask-smorest renders Swagger UI from here."""
    app.config.update(OPENAPI_SWAGGER_UI_URL=ASSETS)
    app.register_blueprint(blp)
