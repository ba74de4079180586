"""The application factory: `flask --app app ...` and gunicorn `app:create_app()` both start here."""
from __future__ import annotations

from flask import Flask

import config


def create_app(overrides: dict | None = None) -> Flask:
    # A test hands its settings in and wants the ConfigError; a starting process gets one line.
    cfg = config.load(overrides) if overrides is not None else config.load_or_exit()
    app = Flask(__name__, instance_path=cfg["INSTANCE_DIR"])
    app.config.update(cfg)

    from api import NoCookieSessions
    from api.smorest import JSONProvider

    app.json = JSONProvider(app)
    app.session_interface = NoCookieSessions()

    import db
    import jobs
    import privacy
    from api import errors, limits, register_blueprints, smorest
    from auth import tokens
    from cli import register_commands
    from services import runtime

    privacy.configure_logging(app)
    db.init_app(app)
    runtime.init_app(app)
    jobs.init_app(app)
    tokens.init_app(app)
    limits.init_app(app)
    errors.register(app)
    app.before_request(smorest.check_content_type)
    register_blueprints(app)
    register_commands(app)
    return app
