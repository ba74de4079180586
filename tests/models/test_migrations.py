"""The Alembic migrations build exactly the schema the models describe (no drift)."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

import models
from cli.database import upgrade
from db import make_engine, normalize_url
from tests.conftest import USE_POSTGRES


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), models.Base.metadata)
    engine.dispose()
    return diff


def test_migrations_match_models_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    assert _diff(url) == []


@pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL run only")
def test_migrations_match_models_postgres():
    import os

    base = normalize_url(os.environ["TEST_DATABASE_URL"])
    name = f"migcheck_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        assert _diff(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
