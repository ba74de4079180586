"""`flask officers create --phone P --password W --name N` (CONTRACT §7)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

import db
from errors import AppError
from services import accounts
from services.identifiers import normalize_phone

officers_group = AppGroup("officers", help="Officer accounts (they log in like citizens, with an OTP).")


@officers_group.command("create")
@click.option("--phone", required=True, help="Vietnamese mobile: 09xxxxxxxx or +849xxxxxxxx.")
@click.option("--password", prompt=True, hide_input=True, help="8-128 characters, not a common password "
              "(prompted for when left out, which keeps it out of the shell history).")
@click.option("--name", required=True, help="Full name.")
def create_officer(phone: str, password: str, name: str) -> None:
    """Create an officer account; prints {"id", "phone", "role"} as one JSON line."""
    e164 = normalize_phone(phone)
    if e164 is None:
        raise click.BadParameter("not a Vietnamese mobile number", param_hint="--phone")
    session = db.session()
    try:
        account = accounts.create_account(session, e164, password, name, role="officer")
    except AppError as exc:
        session.rollback()
        raise click.ClickException(exc.detail or exc.code) from exc
    click.echo(json.dumps({"id": account.id, "phone": account.phone, "role": account.role}))


COMMANDS = [officers_group]
