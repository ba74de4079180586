"""Migration 0009 seals the TOTP secrets already stored in the clear (and its downgrade opens them)."""
from sqlalchemy import create_engine, text

from auth import secrets_box
from cli.database import upgrade

PLAIN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _secrets(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, totp_secret FROM accounts ORDER BY id")).all())
    engine.dispose()
    return rows


def test_migration_0009_seals_existing_plain_totp_secrets(tmp_path):
    url, ring = f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path / "ring")
    upgrade(url, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        for i, secret in ((1, PLAIN), (2, None)):
            conn.execute(text(
                "INSERT INTO accounts (id, phone, password_hash, full_name, role, created_at, failed_logins, "
                "totp_secret, totp_enabled) VALUES (:i, :p, 'x', 'A', 'citizen', '2026-01-01 00:00:00', 0, :s, 1)"),
                {"i": i, "p": f"+8491234567{i}", "s": secret})
    engine.dispose()
    upgrade(url, "0009", data_keys_dir=ring)
    stored = _secrets(url)
    assert stored[2] is None and secrets_box.is_box(stored[1]) and PLAIN not in stored[1]
    assert secrets_box.totp_secret(1, stored[1], ring) == PLAIN

    from alembic import command

    from cli.database import alembic_config
    command.downgrade(alembic_config(url, ring), "0002")
    assert _secrets(url) == {1: PLAIN, 2: None}
