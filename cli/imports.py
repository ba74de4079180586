"""`flask registry import`, `flask insurance import`, `flask facilities import` (CONTRACT §7).

A refused file prints every bad row ("line N: field: message") on stderr, writes nothing and
exits with status 1.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup

import db


def _run(importer: Callable, path: str) -> None:
    from services.imports import ImportFailed

    session = db.session()
    try:
        result = importer(session, path)
    except ImportFailed as failed:
        session.rollback()
        for problem in failed.errors:
            click.echo(f"{path}: {problem}", err=True)
        click.echo(f"{path}: refused, {len(failed.errors)} problem(s); nothing was written", err=True)
        sys.exit(1)
    click.echo(f"{path}: {result.summary()}")


def _group(name: str, help_text: str, importer_name: str, doc: str) -> AppGroup:
    group = AppGroup(name, help=help_text)

    @group.command("import", help=doc)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    def import_command(file: str) -> None:
        from services import imports

        _run(getattr(imports, importer_name), file)

    return group


registry_group = _group("registry", "Population-registry rows (the local registry backend).", "import_registry",
                        "Import cccd,full_name,date_of_birth,gender[,address,mother_cccd,father_cccd,guardian_cccd,"
                        "household_code] rows; re-runs replace by CCCD.")
insurance_group = _group("insurance", "Insured persons and their cards.", "import_insurance",
                         "Import a legacy export of persons and cards; re-runs replace persons by BHXH code "
                         "and cards by card number. Facilities must be imported first.")
facilities_group = _group("facilities", "Health facilities (mã cơ sở KCB).", "import_facilities",
                          "Import code,name rows; re-runs replace by code.")

COMMANDS = [registry_group, insurance_group, facilities_group]
