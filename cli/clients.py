"""`flask clients create clinic|employer ...`, `flask clients add-staff ...` and `flask clients deactivate ...`."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

import db
from services import api_clients, gateway_accounts

clients_group = AppGroup("clients", help="API clients: clinics and employers (OAuth client credentials).")


@clients_group.group("create")
def create_group() -> None:
    """Create a client; prints {"client_id", "client_secret"} as one JSON line (the secret is shown once)."""


def _create(kind: str, name: str, **binding) -> None:
    session = db.session()
    try:
        client, secret = api_clients.create_client(session, kind, name, **binding)
    except api_clients.ClientError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret}))


@create_group.command("clinic")
@click.option("--facility-code", required=True, help="5-digit facility code (mã cơ sở KCB).")
@click.option("--name", required=True, help="The clinic's name.")
def create_clinic(facility_code: str, name: str) -> None:
    """A clinic client bound to one facility."""
    _create("clinic", name, facility_code=facility_code)


@create_group.command("employer")
@click.option("--unit-code", required=True, help="7-character unit code (mã đơn vị).")
@click.option("--province", required=True, help="2-digit province code.")
@click.option("--name", required=True, help="The employer's name.")
def create_employer(unit_code: str, province: str, name: str) -> None:
    """An employer client bound to one unit and province."""
    _create("employer", name, unit_code=unit_code, province_code=province)


@create_group.command("birth-registry")
@click.option("--name", required=True, help="The birth-registration system's name.")
def create_birth_registry(name: str) -> None:
    """The birth-registration system's client: it may push birth registrations (POST /births) only."""
    _create("birth_registry", name)


@clients_group.command("add-staff")
@click.argument("client_id")
@click.option("--cccd", required=True, help="The staff member's 12-digit CCCD.")
@click.option("--name", required=True, help="The staff member's full name.")
def add_staff(client_id: str, cccd: str, name: str) -> None:
    """Register a staff member of a clinic (card checks name the staff who made them)."""
    session = db.session()
    try:
        staff = api_clients.add_staff(session, client_id, cccd, name)
    except api_clients.ClientError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"client_id": client_id, "cccd": staff.cccd, "full_name": staff.full_name},
                          ensure_ascii=False))


@clients_group.command("deactivate")
@click.argument("client_id")
def deactivate(client_id: str) -> None:
    """End a client of any kind: no new tokens, and the tokens it holds are refused at once."""
    session = db.session()
    try:
        client = api_clients.deactivate(session, client_id)
    except api_clients.ClientError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "kind": client.kind, "active": False}))


@clients_group.command("gateway-account")
@click.argument("client_id")
@click.option("--username", default=None, help="Login name; by convention <facility code>_BV (the default).")
def gateway_account(client_id: str, username: str | None) -> None:
    """A gateway login (/api/token/take) of a clinic client; prints {"username", "password"} once.
    The hospital system sends the MD5 hex of that password."""
    session = db.session()
    try:
        account, password = gateway_accounts.create_account(session, client_id, username)
    except api_clients.ClientError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"username": account.username, "password": password}))


@clients_group.command("allow-address")
@click.argument("client_id")
@click.argument("cidr")
def allow_address(client_id: str, cidr: str) -> None:
    """Add an address or network (CIDR) to a clinic client's allow-list; once it has one, calls
    from anywhere else are refused."""
    session = db.session()
    try:
        network = gateway_accounts.allow_address(session, client_id, cidr)
    except api_clients.ClientError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"client_id": client_id, "allowed": gateway_accounts.allowed_networks(session, client_id),
                           "added": network}))


COMMANDS = [clients_group]
