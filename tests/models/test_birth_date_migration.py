"""Migration 0007: existing birth dates become `day` precision; down removes the columns again."""
from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from cli.database import alembic_config, upgrade

TABLES = {"insured_persons": "date_of_birth_precision", "registry_records": "date_of_birth_precision",
          "link_requests": "registry_date_of_birth_precision"}


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _before(url: str) -> str:
    """The revision 0007 sits on (re-chained at merges)."""
    return ScriptDirectory.from_config(alembic_config(url)).get_revision("0007").down_revision


def test_existing_rows_are_day_and_downgrade_drops_the_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    before = _before(url)
    upgrade(url, before)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO registry_records (cccd, full_name, date_of_birth, gender, updated_at) "
                          "VALUES ('001058000001', 'Lê Thị Bảy', '1958-01-01', 'female', '2026-01-01 00:00:00')"))
    upgrade(url, "0007")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT date_of_birth_precision FROM registry_records")).scalar_one() == "day"
    engine.dispose()
    for table, column in TABLES.items():
        assert column in _columns(url, table)

    command.downgrade(alembic_config(url), before)
    for table, column in TABLES.items():
        assert column not in _columns(url, table)
    engine = create_engine(url)
    with engine.connect() as conn:  # the rows themselves survive the round trip
        assert conn.execute(text("SELECT full_name FROM registry_records")).scalar_one() == "Lê Thị Bảy"
    engine.dispose()
