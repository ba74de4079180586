"""`flask keys rotate [--activate-after DURATION]`: a new card-signing key, published at once and
signing only after DURATION (default 48h), so offline verifiers that sync the JWKS daily already
know it; the old key signs until then and stays published until every payload it signed has
expired (services/card_signing.py). `flask keys rotate-totp`: a new key-encryption key for the TOTP
secrets sealed at rest (auth/secrets_box.py)."""
from __future__ import annotations

import re
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

import db
from services import card_signing

keys = AppGroup("keys", help="Card-signing keys (ES256) in CARD_KEYS_DIR.")
_DURATION_RE = re.compile(r"^(\d{1,6})([smhd]?)$")
_UNITS = {"": "seconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`0`, `90s`, `30m`, `48h`, `2d` (a bare number is seconds)."""
    found = _DURATION_RE.match((text or "").strip().lower())
    if not found:
        raise click.BadParameter("use a number with s, m, h or d (e.g. 48h, 2d, 0)")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


@keys.command("rotate")
@click.option("--activate-after", "activate_after", default="48h", show_default=True,
              help="How long the new key is published before it signs (0: at once, for a compromised key).")
def rotate(activate_after: str) -> None:
    """Add a signing key: in the JWKS now, the signer after --activate-after; the old key stays published."""
    delay = parse_duration(activate_after)
    folder = current_app.config["CARD_KEYS_DIR"]
    kid, published = card_signing.rotate(folder, delay)
    signs_from = next(e.activates_at or e.created_at for e in card_signing.load(folder).entries if e.kid == kid)
    click.echo(f"new signing key {kid}, signing from {signs_from.isoformat()}; published keys: {', '.join(published)}")


@keys.command("rotate-totp")
def rotate_totp() -> None:
    """A new key-encryption key for TOTP secrets; every stored secret's data key is rewrapped with it
    (plain secrets left from before migration 0009 are sealed). Old keys stay in the ring."""
    from auth import secrets_box
    from services import sealed_secrets

    folder = current_app.config["DATA_KEYS_DIR"]
    kid = secrets_box.rotate_ring(folder)
    moved = sealed_secrets.rewrap_totp_secrets(db.session(), folder)
    click.echo(f"new key-encryption key {kid}; TOTP secrets rewrapped: {moved}")


COMMANDS = [keys]
