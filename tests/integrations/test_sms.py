"""SMS adapters: outbox file, console, HTTP gateway (against a local server this test starts)."""
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process

import pytest

from config import ConfigError
from integrations import sms

TEXT = "Mã xác thực VssID của bạn là 123456. Mã có hiệu lực trong 5 phút. Không chia sẻ mã này với bất kỳ ai."


class Gateway:
    """A tiny SMS gateway: answers `status` (after `delay` seconds) and records what it got."""

    def __init__(self, status=200, delay=0.0):
        self.status, self.delay, self.received = status, delay, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((self.headers["Content-Type"], json.loads(body)))
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                try:
                    self.wfile.write(b'{"ok": true}')
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    made = []

    def make(**kw):
        gw = Gateway(**kw)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        gw.close()


def test_http_posts_json_to_the_gateway(gateway):
    gw = gateway()
    sms.HttpSender(gw.url, timeout=2).send("+84912345678", TEXT)
    assert gw.received == [("application/json", {"to": "+84912345678", "text": TEXT})]


def test_http_retries_5xx_twice_then_gives_up(gateway):
    gw = gateway(status=500)
    with pytest.raises(sms.SmsUnavailable, match="500"):
        sms.HttpSender(gw.url, timeout=2, backoff=0.01).send("+84912345678", TEXT)
    assert len(gw.received) == 3


def test_http_does_not_retry_a_refusal(gateway):
    gw = gateway(status=400)
    with pytest.raises(sms.SmsUnavailable, match="400"):
        sms.HttpSender(gw.url, timeout=2, backoff=0.01).send("+84912345678", TEXT)
    assert len(gw.received) == 1


def test_http_late_answer_is_a_timeout_without_retry(gateway):
    gw = gateway(delay=1.0)
    started = time.monotonic()
    with pytest.raises(sms.SmsUnavailable, match="in time"):
        sms.HttpSender(gw.url, timeout=0.2, backoff=0.01).send("+84912345678", TEXT)
    assert time.monotonic() - started < 1.0
    assert len(gw.received) == 1  # it may have sent it: never twice


def test_http_gateway_down_retries_then_raises():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(sms.SmsUnavailable, match="connection failed"):
        sms.HttpSender(f"http://127.0.0.1:{port}/sms", timeout=0.5, backoff=0.01).send("+84912345678", TEXT)


def test_http_never_logs_the_text(gateway, caplog):
    gw = gateway(status=500)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(sms.SmsUnavailable):
        sms.HttpSender(gw.url, timeout=2, backoff=0.01).send("+84912345678", TEXT)
    sms.HttpSender(gateway().url, timeout=2).send("+84912345678", TEXT)
    assert "123456" not in caplog.text and "+84912345678" not in caplog.text


def test_outbox_appends_json_lines_and_makes_the_folder(tmp_path, caplog):
    path = tmp_path / "deep" / "folder" / "sms.jsonl"
    sender = sms.OutboxSender(str(path))
    caplog.set_level(logging.DEBUG)
    sender.send("+84912345678", TEXT)
    sender.send("+84987654321", "Xin chào")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [m["to"] for m in lines] == ["+84912345678", "+84987654321"]
    assert lines[0]["text"] == TEXT and lines[0]["sent_at"].endswith("+00:00")
    assert "Mã xác thực" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert "123456" not in caplog.text


def _write_many(path, worker, count):
    sender = sms.OutboxSender(path)
    for i in range(count):
        sender.send(f"+8491{worker:07d}", f"{worker}-{i} " + "x" * 5000)


def test_outbox_is_safe_across_processes(tmp_path):
    path = str(tmp_path / "sms.jsonl")
    procs = [Process(target=_write_many, args=(path, w, 50)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert all(json.loads(line)["text"].endswith("x" * 5000) for line in lines)


def test_outbox_unwritable_is_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(sms.SmsUnavailable):
        sms.OutboxSender(str(blocker / "sms.jsonl")).send("+84912345678", TEXT)


def test_console_prints_to_stdout_not_to_logging(capsys, caplog):
    caplog.set_level(logging.DEBUG)
    sms.ConsoleSender().send("+84912345678", TEXT)
    out = capsys.readouterr().out
    assert "+84912345678" in out and "123456" in out
    assert "123456" not in caplog.text


def test_from_config():
    assert isinstance(sms.from_config({"SMS_BACKEND": "outbox", "SMS_OUTBOX_FILE": "/tmp/x"}), sms.OutboxSender)
    assert isinstance(sms.from_config({"SMS_BACKEND": "console"}), sms.ConsoleSender)
    sender = sms.from_config({"SMS_BACKEND": "http", "SMS_HTTP_URL": "http://gw/sms", "SMS_HTTP_TIMEOUT": 3.0})
    assert isinstance(sender, sms.HttpSender) and sender.timeout == 3.0
    with pytest.raises(ConfigError):
        sms.from_config({"SMS_BACKEND": "http", "SMS_HTTP_URL": None})
    with pytest.raises(ConfigError):
        sms.from_config({"SMS_BACKEND": "pigeon"})
