"""`flask births import FILE.csv`: newborn TE1 cards from a birth-registration export (docs/family.md)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

import db

births_group = AppGroup("births", help="Birth registrations: newborns' TE1 cards.")


@births_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_births(file: str) -> None:
    """Import registration_id,cccd,full_name,date_of_birth,gender,province_code[,mother_cccd,father_cccd,
    guardian_cccd,facility_code] rows; all or none; re-runs leave registered births as they are."""
    from services import births
    from services.imports import ImportFailed

    session = db.session()
    try:
        counts = births.import_file(session, file)
    except ImportFailed as failed:
        for problem in failed.errors:
            click.echo(f"{file}: {problem}", err=True)
        click.echo(f"{file}: refused, {len(failed.errors)} problem(s); nothing was written", err=True)
        sys.exit(1)
    click.echo(f"{file}: {counts['issued']} card(s) issued, {counts['already_registered']} already registered")


COMMANDS = [births_group]
