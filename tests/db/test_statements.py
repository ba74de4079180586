"""The hot path's statement runners (db/statements.py) and its own PostgreSQL connection."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, text

import db
from db.statements import CoreRunner, PsycopgRunner
from models import Card
from tests import factories as f
from tests.api.clinic.cases import NOW, STAFF
from tests.api.clinic.test_card_checks import URL, base_request, post
from tests.conftest import USE_POSTGRES

_BY_NUMBER = select(Card.card_number, Card.valid_to).where(Card.card_number == bindparam("n")).limit(1)


def test_same_rows_through_both_runners(app, session):
    """A statement with its own bound values (the LIMIT) and the caller's, same rows either way."""
    f.card(session, f.person(session))
    with app.test_request_context():
        runner = db.hot_path_runner()
        expected_type = PsycopgRunner if USE_POSTGRES else CoreRunner
        assert isinstance(runner, expected_type)
        rows = runner.rows(_BY_NUMBER, {"n": "DN4010123456789"})
        core = CoreRunner(db.autocommit_connection()).rows(_BY_NUMBER, {"n": "DN4010123456789"})
    assert rows == core and len(rows) == 1 and rows[0][0] == "DN4010123456789"


@pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL run only: the hot path's own connection")
def test_lost_connection_is_a_503_then_reconnects(app, client, session, frozen_clock):
    frozen_clock.set(NOW)
    _client, clinic_headers = f.clinic(app, session, staff=STAFF)
    f.card(session, f.person(session))
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "000"
    with app.app_context():
        pid = db.get().hot_cursor().connection.info.backend_pid
    session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    session.commit()

    resp = client.post(URL, json=base_request("DN4010123456789"), headers=clinic_headers)
    assert resp.status_code == 503 and resp.get_json()["code"] == "database_unavailable"
    assert post(client, clinic_headers, base_request("DN4010123456789"))["result_code"] == "000"
    with app.app_context():
        assert db.get().hot_cursor().connection.info.backend_pid != pid
