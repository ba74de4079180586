"""Audit finding: TOTP secrets were stored in the clear. Now each is sealed (envelope encryption,
auth/secrets_box.py) under a key ring that is not SECRET_KEY; `flask keys rotate-totp` rewraps."""
from sqlalchemy import select

from auth import secrets_box
from models import Account
from tests.api.me.test_totp import enrolled, verify  # noqa: F401 (the fixture)
from tests.auth.flows import start_login


def _stored(session):
    session.expire_all()
    return session.scalar(select(Account.totp_secret).where(Account.totp_secret.is_not(None)))


def test_totp_secret_unencrypted_at_rest_is_now_sealed(client, session, enrolled):  # noqa: F811
    _tokens, totp = enrolled
    stored = _stored(session)
    assert secrets_box.is_box(stored) and totp.secret not in stored
    assert totp.secret.encode() not in (session.connection().exec_driver_sql(
        "SELECT totp_secret FROM accounts").scalar() or "").encode()


def test_totp_login_survives_a_secret_key_rotation(app, client, session, enrolled, frozen_clock):  # noqa: F811
    _tokens, totp = enrolled
    app.config["SECRET_KEY"] = "a-completely-new-secret-key-after-rotation-0123456789"
    challenge = start_login(client)
    assert challenge["channel"] == "totp"
    assert verify(client, challenge["challenge_id"], totp.at(frozen_clock.current)).status_code == 200


def test_rotate_totp_rewraps_and_the_app_keeps_working(app, runner, client, session, enrolled, frozen_clock):  # noqa: F811
    _tokens, totp = enrolled
    before = _stored(session)
    result = runner.invoke(args=["keys", "rotate-totp"])
    assert result.exit_code == 0, result.output
    assert "TOTP secrets rewrapped: 1" in result.output
    after = _stored(session)
    assert after != before and after.split(".")[1] != before.split(".")[1]  # another key id
    assert after.split(".")[3] == before.split(".")[3]  # the sealed secret itself is untouched
    folder = app.config["DATA_KEYS_DIR"]
    owner = secrets_box.totp_owner(session.scalar(select(Account.id).where(Account.totp_secret.is_not(None))))
    assert secrets_box.unseal(folder, before, owner) == secrets_box.unseal(folder, after, owner) == totp.secret
    challenge = start_login(client)
    assert verify(client, challenge["challenge_id"], totp.at(frozen_clock.current)).status_code == 200
