"""`flask keys rotate`: a new card-signing key becomes the signer; the old one stays published until
every payload it signed has expired (services/card_signing.py)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from services import card_signing

keys = AppGroup("keys", help="Card-signing keys (ES256) in CARD_KEYS_DIR.")


@keys.command("rotate")
def rotate() -> None:
    """Add a signing key and make it the signer; the old key stays in the JWKS until its QRs expire."""
    kid, published = card_signing.rotate(current_app.config["CARD_KEYS_DIR"])
    click.echo(f"new signing key {kid}; published keys: {', '.join(published)}")


COMMANDS = [keys]
