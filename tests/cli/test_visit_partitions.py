"""`flask visits add-partitions` on a migrated PostgreSQL database (the partitions live there only)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from cli.database import upgrade
from db import make_engine, normalize_url
from services.visit_partitions import add_until
from tests.conftest import USE_POSTGRES


def test_sqlite_has_nothing_to_add(runner):
    out = runner.invoke(args=["visits", "add-partitions", "--until", "2029-12"])
    assert out.exit_code == 0 and "0 partitions added" in out.output
    assert runner.invoke(args=["visits", "add-partitions", "--until", "2029-13"]).exit_code != 0


@pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL run only")
def test_partitions_are_added_after_the_last_month_and_rows_land_in_them():
    base = normalize_url(os.environ["TEST_DATABASE_URL"])
    name = f"partcheck_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            parts = conn.execute(text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'visits'::regclass")).scalar()
        assert parts == 49  # 2024-01 .. 2027-12 and the DEFAULT
        assert add_until(engine, (2028, 2)) == ["visits_2028_01", "visits_2028_02"]
        assert add_until(engine, (2028, 2)) == []
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
