"""Family relations in the registry adapter: the local table, and the http backend against a real
local server that speaks the relations protocol (integrations/registry.py docstring)."""
from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations import registry
from integrations.registry import HttpRegistry, LocalRegistry, RegistryUnavailable
from tests.api.family import helpers as h
from tests.integrations.test_registry import _free_port

PARENTS = {"001224000101": {"001190000123", "001088000456"}}
HOUSEHOLD = [{"cccd": "001190000123", "full_name": "Nguyễn Thị Mai", "date_of_birth": "1990-04-12",
              "gender": "female"},
             {"cccd": "001224000101", "full_name": "Trần Minh Khôi", "date_of_birth": "2024-05-10", "gender": "male"}]


class _Relations:
    """A registry double: /verify always matches; /relations answers from PARENTS / HOUSEHOLD."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, body))
                if outer.mode == "error":
                    self.send_response(502)
                    self.end_headers()
                    return
                if self.path == "/verify":
                    payload = {"match": True}
                elif body.get("relation") == "guardian_child":
                    payload = {"related": body["guardian_cccd"] in PARENTS.get(body["child_cccd"], set())}
                else:
                    payload = {"members": HOUSEHOLD if body["cccd"] in {m["cccd"] for m in HOUSEHOLD} else []}
                if outer.mode == "garbage":
                    payload = {"related": "yes", "members": [{"cccd": "1"}]}
                data = json.dumps({**payload, "request_id": body["request_id"]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/verify"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = _Relations()
    yield srv
    srv.close()


def test_relations_url_defaults_next_to_the_registry_url():
    assert HttpRegistry("http://reg.example/api/verify").relations_url == "http://reg.example/api/relations"
    cfg = {"REGISTRY_BACKEND": "http", "REGISTRY_URL": "http://a/verify", "REGISTRY_RELATIONS_URL": "http://b/rel"}
    assert registry.from_config(cfg).relations_url == "http://b/rel"


def test_http_guardian_child(server):
    adapter = HttpRegistry(server.url, timeout=2)
    assert adapter.is_guardian(None, "001190000123", "001224000101", request_id="r-1") is True
    assert adapter.is_guardian(None, "001085000789", "001224000101") is False
    path, body = server.requests[0]
    assert path == "/relations"
    assert body == {"relation": "guardian_child", "guardian_cccd": "001190000123", "child_cccd": "001224000101",
                    "request_id": "r-1"}


def test_http_household(server):
    adapter = HttpRegistry(server.url, timeout=2)
    members = adapter.household(None, "001190000123")
    assert members == [("001190000123", "Nguyễn Thị Mai", date(1990, 4, 12), "female"),
                       ("001224000101", "Trần Minh Khôi", date(2024, 5, 10), "male")]
    assert adapter.household(None, "001085000789") == []
    assert server.requests[0][1]["relation"] == "household"


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_http_relations_failures_are_unavailable(server, mode):
    server.mode = mode
    adapter = HttpRegistry(server.url, timeout=2)
    with pytest.raises(RegistryUnavailable):
        adapter.is_guardian(None, "001190000123", "001224000101")
    with pytest.raises(RegistryUnavailable):
        adapter.household(None, "001190000123")


def test_http_relations_down_is_unavailable():
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(f"http://127.0.0.1:{_free_port()}/verify", timeout=1).is_guardian(None, "1", "2")


def test_local_relations(app, session):
    h.registry(session, h.MAI, household_code="HN-1")
    h.registry(session, h.KHOI, mother_cccd=h.MAI["cccd"], household_code="HN-1")
    h.registry(session, h.LAN, guardian_cccd=h.BINH["cccd"])
    h.registry(session, h.BINH)
    local = LocalRegistry()
    assert local.is_guardian(session, h.MAI["cccd"], h.KHOI["cccd"]) is True
    assert local.is_guardian(session, h.BINH["cccd"], h.LAN["cccd"]) is True  # a legal guardian
    assert local.is_guardian(session, h.BINH["cccd"], h.KHOI["cccd"]) is False
    assert local.is_guardian(session, h.MAI["cccd"], "001224999999") is False  # unknown child
    assert [m[0] for m in local.household(session, h.KHOI["cccd"])] == [h.MAI["cccd"], h.KHOI["cccd"]]
    assert local.household(session, h.BINH["cccd"]) == []


def test_dependant_added_through_the_http_registry(app, client, session, frozen_clock, server):
    """End to end: the http backend confirms identity (/verify) and relation (/relations)."""
    from services import runtime

    frozen_clock.set(h.NOW)
    fam = h.build(app, session)
    with app.app_context():
        rt = runtime.get()
        real, rt.registry = rt.registry, HttpRegistry(server.url, timeout=2)
    try:
        mine = h.add(client, fam.mai, h.KHOI)
        not_mine = h.add(client, fam.binh, h.KHOI)
    finally:
        rt.registry = real
    assert mine.status_code == 201, mine.get_json()
    assert not_mine.status_code == 422 and not_mine.get_json()["code"] == "registry_mismatch"
    assert [p for p, _ in server.requests] == ["/verify", "/relations", "/verify", "/relations"]
