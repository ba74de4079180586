"""`flask db upgrade`: apply the Alembic migrations to DATABASE_URL."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_group = AppGroup("db", help="Database schema.")


def alembic_config(url: str, data_keys_dir: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    if data_keys_dir:  # migration 0009 seals stored TOTP secrets with this ring
        cfg.attributes["data_keys_dir"] = data_keys_dir
    return cfg


def upgrade(url: str, revision: str = "head", data_keys_dir: str | None = None) -> None:
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, data_keys_dir), revision)


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade(current_app.config["DATABASE_URL"], revision, current_app.config["DATA_KEYS_DIR"])
    click.echo(f"database at {revision}")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Autogenerate a migration from the models (developers only)."""
    from alembic import command

    command.revision(alembic_config(current_app.config["DATABASE_URL"]), message=message, autogenerate=True)


COMMANDS = [db_group]
