"""services.linking below the HTTP layer: link_status, and linking through the http registry backend."""
from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from integrations.registry import HttpRegistry
from models import InsuredPerson, LinkRequest
from services import linking, reviews
from tests import factories

AN = linking.LinkInput(cccd="001095012345", full_name="Nguyễn Văn An", date_of_birth=date(1995, 3, 5),
                       gender="male", bhxh_code="0123456789")


@pytest.fixture
def match_server():
    class Match(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            data = json.dumps({"match": True, "request_id": body["request_id"]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Match)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_status_none(session):
    acc = factories.account(session)
    assert linking.link_status(session, acc.id) == {"status": "none", "bhxh_code": None, "cccd": None,
                                                    "review_id": None, "reason": None}


def test_http_registry_review_keeps_the_confirmed_details(session, match_server):
    """The remote registry only says match; what it confirmed (the citizen's input) is the registry data."""
    acc = factories.account(session)
    officer = factories.account(session, phone="+84987654321", role="officer")
    factories.person(session, full_name="Nguyen Van An")
    answer = linking.link(session, HttpRegistry(match_server, timeout=2), acc.id, AN, ("account", str(acc.id)))
    assert answer["status"] == "pending_review"
    req = session.get(LinkRequest, answer["review_id"])
    assert (req.registry_full_name, req.registry_date_of_birth, req.registry_gender) == (
        "Nguyễn Văn An", date(1995, 3, 5), "male")
    reviews.approve(session, ("account", str(officer.id)), officer.id, req.id, None)
    person = session.scalar(select(InsuredPerson))
    assert person.full_name == "Nguyễn Văn An" and person.account_id == acc.id
    assert linking.link_status(session, acc.id)["status"] == "linked"


def test_rejected_then_linked_shows_linked(session):
    acc = factories.account(session)
    officer = factories.account(session, phone="+84987654321", role="officer")
    factories.registry_record(session)
    person = factories.person(session, full_name="Nguyen Van An")
    from integrations.registry import LocalRegistry

    review = linking.link(session, LocalRegistry(), acc.id, AN, ("account", str(acc.id)))["review_id"]
    reviews.reject(session, ("account", str(officer.id)), officer.id, review, "Cần giấy khai sinh")
    assert linking.link_status(session, acc.id)["status"] == "rejected"
    person.full_name = "Nguyễn Văn An"
    session.commit()
    assert linking.link(session, LocalRegistry(), acc.id, AN, ("account", str(acc.id)))["status"] == "linked"
    assert linking.link_status(session, acc.id)["status"] == "linked"
