"""`flask visits add-partitions --until YYYY-MM` (PostgreSQL: monthly partitions of visits)."""
from __future__ import annotations

import re

import click
from flask.cli import AppGroup

import db

visits_group = AppGroup("visits", help="Medical-visit storage.")


@visits_group.command("add-partitions")
@click.option("--until", required=True, help="The last month to cover, YYYY-MM.")
def add_partitions_command(until: str) -> None:
    """Add the monthly partitions of `visits` up to this month (nothing to do on SQLite)."""
    from sqlalchemy.exc import DBAPIError

    from services.visit_partitions import add_until

    found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", until)
    if not found:
        raise click.BadParameter("expected YYYY-MM", param_hint="--until")
    try:
        made = add_until(db.get().engine, (int(found.group(1)), int(found.group(2))))
    except DBAPIError as exc:
        raise click.ClickException(f"not added: {str(exc.orig).splitlines()[0]}") from exc
    click.echo(f"{len(made)} partitions added" + (f": {made[0]} .. {made[-1]}" if made else ""))


COMMANDS = [visits_group]
