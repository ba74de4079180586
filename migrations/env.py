"""Alembic environment: the URL comes from `flask db upgrade` (or DATABASE_URL), the schema from models."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import models  # noqa: E402

config = context.config
url = config.attributes.get("url") or os.environ.get("DATABASE_URL", "sqlite:///instance/app.db")
from db import normalize_url  # noqa: E402

url = normalize_url(url)
target_metadata = models.Base.metadata


def run() -> None:
    connectable = config.attributes.get("connection") or create_engine(url)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _migrate(connection)
    else:
        _migrate(connectable)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
