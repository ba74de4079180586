"""The registry adapter: local table lookups, and the http backend against a real local server."""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from integrations import registry
from integrations.registry import HttpRegistry, LocalRegistry, RegistryUnavailable
from services.birth_dates import BirthDate
from tests import factories

AN = ("001095012345", "Nguyễn Văn An", date(1995, 3, 5), "male")


class _Server:
    """A registry double: `mode` decides the answer; every request body is kept."""

    def __init__(self) -> None:
        self.mode = "match"
        self.delay = 0.0
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                if outer.delay:
                    time.sleep(outer.delay)
                if outer.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                payload = {"match": outer.mode == "match", "request_id": body["request_id"]}
                if outer.mode == "garbage":
                    payload = {"ok": True}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/verify"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_from_config_picks_backend():
    assert isinstance(registry.from_config({"REGISTRY_BACKEND": "local"}), LocalRegistry)
    http = registry.from_config({"REGISTRY_BACKEND": "http", "REGISTRY_URL": "http://x/", "REGISTRY_TIMEOUT": 1.5})
    assert isinstance(http, HttpRegistry) and http.timeout == 1.5
    with pytest.raises(ValueError):
        registry.from_config({"REGISTRY_BACKEND": "http"})
    with pytest.raises(ValueError):
        registry.from_config({"REGISTRY_BACKEND": "ldap"})


def test_http_match_sends_documented_body(server):
    adapter = HttpRegistry(server.url, timeout=2)
    assert adapter.verify(None, *AN, consent=True, request_id="req-1") is True
    assert server.requests == [{"cccd": "001095012345", "full_name": "Nguyễn Văn An",
                                "date_of_birth": "1995-03-05", "gender": "male", "consent": True,
                                "request_id": "req-1"}]


def test_http_no_match(server):
    server.mode = "nomatch"
    assert HttpRegistry(server.url, timeout=2).verify(None, *AN) is False


def test_http_verify_many_calls_per_row(server):
    adapter = HttpRegistry(server.url, timeout=2)
    assert adapter.verify_many(None, [AN, AN]) == [True, True]
    assert len(server.requests) == 2
    assert adapter.lookup(None, AN[0]) is None


def test_http_late_answer_is_unavailable_and_not_retried(server):
    server.delay = 0.6
    adapter = HttpRegistry(server.url, timeout=0.2, retry_after=17)
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable) as info:
        adapter.verify(None, *AN)
    assert time.monotonic() - started < 0.55
    assert info.value.retry_after == 17
    time.sleep(0.5)  # let the slow handler finish recording
    assert len(server.requests) == 1  # the request reached the server: never sent twice


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_http_server_error_is_unavailable(server, mode):
    server.mode = mode
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(server.url, timeout=2).verify(None, *AN)
    assert len(server.requests) == 1


def test_http_down_is_unavailable():
    adapter = HttpRegistry(f"http://127.0.0.1:{_free_port()}/verify", timeout=1)
    with pytest.raises(RegistryUnavailable):
        adapter.verify(None, *AN)


def test_http_refused_once_is_retried(server):
    """A refused connection reached nobody, so the adapter tries once more."""
    adapter = HttpRegistry(server.url, timeout=2)
    real_post = adapter._http.post
    calls = []

    def flaky_post(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise requests.exceptions.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
        return real_post(*args, **kwargs)

    adapter._http.post = flaky_post
    assert adapter.verify(None, *AN) is True
    assert len(calls) == 2 and len(server.requests) == 1


def test_local_verify_and_lookup(session):
    factories.registry_record(session)
    adapter = LocalRegistry()
    assert adapter.verify(session, *AN)
    assert adapter.verify(session, "001095012345", "  NGUYỄN   văn an ", date(1995, 3, 5), "male")
    assert not adapter.verify(session, "001095012345", "Nguyen Van An", date(1995, 3, 5), "male")
    assert not adapter.verify(session, "001095012345", "Nguyễn Văn An", date(1995, 3, 6), "male")
    assert not adapter.verify(session, "001095012345", "Nguyễn Văn An", date(1995, 3, 5), "female")
    assert not adapter.verify(session, "001095099999", "Nguyễn Văn An", date(1995, 3, 5), "male")
    assert adapter.lookup(session, "001095012345") == ("Nguyễn Văn An", BirthDate(1995, 3, 5), "male")
    assert adapter.lookup(session, "001095099999") is None


def test_local_verify_many_one_query_per_chunk(session, monkeypatch):
    from sqlalchemy import event

    factories.registry_record(session)
    factories.registry_record(session, "079203004567", "Trần Thị Bích", date(2003, 7, 1), "male")
    monkeypatch.setattr(registry, "CHUNK", 2)
    rows = [AN, ("079203004567", "trần thị bích", date(2003, 7, 1), "male"),
            ("038180000123", "Lê Văn Cường", date(1980, 1, 1), "male"), (AN[0], "Khác", AN[2], AN[3])]
    statements = []
    engine = session.get_bind()
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert LocalRegistry().verify_many(session, rows) == [True, True, False, False]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2  # 3 distinct CCCDs in chunks of 2
