"""Operator commands (CONTRACT §7): `flask --app app <group> <command>`."""
from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from . import births, cards, clients, database, imports, keys, officers, outbox, report, seed, visits

    for module in (database, seed, imports, clients, officers, keys, cards, outbox, report, visits, births):
        for command in module.COMMANDS:
            app.cli.add_command(command)
