"""Push adapters: the local JSON-lines sink, and the FCM HTTP v1 client against a local server that
speaks FCM's protocol (RFC 7523 service-account JWT exchanged for a token, then messages:send)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from config import ConfigError
from integrations import push

PROJECT = "vssid-test"


class FakeFcm:
    """Google's token endpoint and FCM's v1 send endpoint, checking what the real ones check."""

    def __init__(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        self.public_key = key.public_key()
        self.tokens_issued: list[str] = []
        self.messages: list[dict] = []
        self.unregistered: set[str] = set()
        self.revoke_next = False
        fcm = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/token":
                    return self._answer(*fcm.token(parse_qs(raw.decode())))
                if self.path == f"/v1/projects/{PROJECT}/messages:send":
                    return self._answer(*fcm.send(self.headers.get("Authorization", ""), json.loads(raw)))
                self._answer(404, {"error": {"code": 404, "status": "NOT_FOUND"}})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def credentials(self) -> dict:
        return {"type": "service_account", "project_id": PROJECT, "private_key_id": "k1",
                "private_key": self.private_pem, "client_email": "push@vssid-test.iam.gserviceaccount.com",
                "token_uri": f"{self.base}/token"}

    def token(self, form):
        if form.get("grant_type") != [push.GRANT]:
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(form["assertion"][0], self.public_key, algorithms=["RS256"], audience=f"{self.base}/token")
        except jwt.PyJWTError as exc:
            return 400, {"error": "invalid_grant", "error_description": str(exc)}
        if claims["iss"] != "push@vssid-test.iam.gserviceaccount.com" or claims["scope"] != push.SCOPE:
            return 400, {"error": "invalid_scope"}
        token = f"ya29.test-{len(self.tokens_issued)}"
        self.tokens_issued.append(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def send(self, authorization, doc):
        if self.revoke_next or authorization.removeprefix("Bearer ") not in self.tokens_issued[-1:]:
            self.revoke_next = False
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
        message = doc["message"]
        if message["token"] in self.unregistered:
            return 404, {"error": {"code": 404, "status": "NOT_FOUND", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}
        assert set(message) >= {"token", "notification", "data"} and all(isinstance(v, str) for v in message["data"].values())
        self.messages.append(message)
        return 200, {"name": f"projects/{PROJECT}/messages/{len(self.messages)}"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fcm():
    server = FakeFcm()
    yield server
    server.close()


def _client(fcm) -> push.FcmSender:
    return push.FcmSender(PROJECT, fcm.credentials(), base_url=fcm.base)


def test_fcm_exchanges_a_service_account_jwt_and_sends_the_v1_message(fcm):
    sender = _client(fcm)
    name = sender.send("device-token-1", "Thẻ BHYT", "Đã tra cứu", {"kind": "card_checked", "n": 1}, "msg-1")
    assert name == f"projects/{PROJECT}/messages/1"
    sender.send("device-token-1", "Thẻ BHYT", "Lần hai", {}, "msg-2")
    assert len(fcm.tokens_issued) == 1  # the access token is cached
    first = fcm.messages[0]
    assert first["notification"] == {"title": "Thẻ BHYT", "body": "Đã tra cứu"}
    assert first["data"] == {"kind": "card_checked", "n": "1"}
    assert first["android"]["collapse_key"] == "msg-1" and first["apns"]["headers"]["apns-collapse-id"] == "msg-1"


def test_fcm_gets_a_fresh_token_once_when_told_401(fcm):
    sender = _client(fcm)
    sender.send("device-token-1", "t", "b", {}, "m1")
    fcm.revoke_next = True
    sender.send("device-token-1", "t", "b", {}, "m2")
    assert len(fcm.tokens_issued) == 2 and len(fcm.messages) == 2


def test_fcm_unregistered_token_and_outage_are_told_apart(fcm):
    sender = _client(fcm)
    fcm.unregistered.add("gone-token")
    with pytest.raises(push.PushTokenInvalid, match="UNREGISTERED"):
        sender.send("gone-token", "t", "b", {}, "m1")
    fcm.close()
    with pytest.raises(push.PushUnavailable):
        push.FcmSender(PROJECT, fcm.credentials(), base_url=fcm.base, timeout=0.5).send("t", "t", "b", {}, "m2")


def test_fcm_refuses_a_wrong_key(fcm):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    sender = push.FcmSender(PROJECT, {**fcm.credentials(), "private_key": other}, base_url=fcm.base)
    with pytest.raises(push.PushUnavailable, match="400"):
        sender.send("device-token-1", "t", "b", {}, "m1")


def test_local_sink_writes_one_line_per_push(tmp_path):
    path = tmp_path / "push.jsonl"
    push.LocalPushSender(str(path)).send("abcdefgh12345678", "Tiêu đề", "Nội dung", {"kind": "enrolled"}, "m1")
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["device"] == "12345678" and line["title"] == "Tiêu đề" and line["id"] == "m1"


def test_from_config(tmp_path, fcm):
    assert isinstance(push.from_config({"PUSH_OUTBOX_FILE": str(tmp_path / "p")}), push.LocalPushSender)
    with pytest.raises(ConfigError, match="FCM_PROJECT_ID"):
        push.from_config({"PUSH_BACKEND": "fcm"})
    creds = tmp_path / "sa.json"
    creds.write_text(json.dumps(fcm.credentials()))
    sender = push.from_config({"PUSH_BACKEND": "fcm", "FCM_PROJECT_ID": PROJECT, "FCM_CREDENTIALS_FILE": str(creds),
                               "FCM_BASE_URL": fcm.base})
    assert sender.token_url == f"{fcm.base}/token" and sender.send("tok", "t", "b", {}, "m") .startswith("projects/")
    with pytest.raises(ConfigError):
        push.from_config({"PUSH_BACKEND": "apns"})
    time.sleep(0)
