"""`flask cards verify-qr PAYLOAD --jwks FILE`: the offline verifier from the command line (needs no
database and no app state: only the JWKS file a clinic saved)."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from services.card_verifier import verify

cards = AppGroup("cards", help="Health-insurance card tools.")


@cards.command("verify-qr", with_appcontext=False)
@click.argument("payload")
@click.option("--jwks", "jwks_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="the saved /.well-known/jwks.json")
def verify_qr(payload: str, jwks_file: str) -> None:
    """Print the verdict (valid / expired / bad_signature / unknown_key / malformed) and the claims;
    exit 0 only when valid. PAYLOAD `-` reads the payload from standard input."""
    if payload == "-":
        payload = sys.stdin.read().strip()
    try:
        verdict = verify(payload, jwks_file)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot read the JWKS file: {exc}") from exc
    click.echo(json.dumps({"verdict": verdict.status, "reason": verdict.reason, "kid": verdict.kid,
                           "claims": verdict.claims}, ensure_ascii=False, indent=2))
    sys.exit(0 if verdict.ok else 1)


COMMANDS = [cards]
