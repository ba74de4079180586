"""Push adapter: `local` (JSON lines file, the development default) or `fcm` (Firebase Cloud
Messaging HTTP v1).

FCM HTTP v1: an OAuth2 access token is obtained with a service-account JWT (RS256, scope
firebase.messaging, RFC 7523 jwt-bearer grant at the account's `token_uri`), cached until shortly
before it expires, and each message is `POST {base}/v1/projects/{project}/messages:send` with
`{"message": {"token", "notification": {"title", "body"}, "data", "android", "apns"}}`. The outbox
message id is the collapse key, so a message sent twice (worker died after FCM accepted it) shows
once on the phone.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

import jwt
import requests

import clock
from config import ConfigError

log = logging.getLogger(__name__)

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class PushUnavailable(RuntimeError):
    """FCM could not take the message now (network, 429, 5xx): retried by the outbox."""


class PushTokenInvalid(RuntimeError):
    """The device token is no longer registered (UNREGISTERED / INVALID_ARGUMENT): forget the device."""


class LocalPushSender:
    """Development sink: one JSON line {"device", "title", "body", "data", "id", "sent_at"} per push."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, token: str, title: str, body: str, data: dict[str, str], key: str) -> None:
        entry = {"device": token[-8:], "title": title, "body": body, "data": data, "id": key,
                 "sent_at": clock.now().isoformat(timespec="seconds")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class FcmSender:
    def __init__(self, project_id: str, credentials: dict, *, base_url: str = "https://fcm.googleapis.com",
                 token_url: str | None = None, timeout: float = 10.0, http: requests.Session | None = None) -> None:
        self.project_id = project_id
        self.client_email = credentials["client_email"]
        self.private_key = credentials["private_key"]
        self.key_id = credentials.get("private_key_id")
        self.token_url = token_url or credentials.get("token_uri") or "https://oauth2.googleapis.com/token"
        self.send_url = f"{base_url.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self.timeout = timeout
        self.http = http or requests.Session()
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _assertion(self) -> str:
        now = int(time.time())
        claims = {"iss": self.client_email, "scope": SCOPE, "aud": self.token_url, "iat": now, "exp": now + 3600}
        headers = {"kid": self.key_id} if self.key_id else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def access_token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if not fresh and self._token and self._token[1] > time.time() + 60:
                return self._token[0]
            try:
                resp = self.http.post(self.token_url, data={"grant_type": GRANT, "assertion": self._assertion()},
                                      timeout=self.timeout)
            except requests.RequestException as exc:
                raise PushUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from exc
            if resp.status_code != 200:
                raise PushUnavailable(f"token endpoint answered {resp.status_code}")
            doc = resp.json()
            self._token = (doc["access_token"], time.time() + float(doc.get("expires_in", 3600)))
            return self._token[0]

    def send(self, token: str, title: str, body: str, data: dict[str, str], key: str) -> str:
        message = {"message": {
            "token": token, "notification": {"title": title, "body": body},
            "data": {k: str(v) for k, v in data.items()},
            "android": {"collapse_key": key, "priority": "high"},
            "apns": {"headers": {"apns-collapse-id": key[:64]}},
        }}
        resp = self._post(message, self.access_token())
        if resp.status_code == 401:  # revoked or expired early: one fresh token
            resp = self._post(message, self.access_token(fresh=True))
        if resp.status_code == 200:
            return resp.json().get("name", "")
        code = _error_code(resp)
        if resp.status_code == 404 or code in ("UNREGISTERED", "INVALID_ARGUMENT"):
            raise PushTokenInvalid(code or str(resp.status_code))
        raise PushUnavailable(f"FCM answered {resp.status_code} {code or ''}".strip())

    def _post(self, message: dict, access_token: str) -> requests.Response:
        try:
            return self.http.post(self.send_url, json=message, timeout=self.timeout,
                                  headers={"Authorization": f"Bearer {access_token}"})
        except requests.RequestException as exc:
            raise PushUnavailable(f"FCM unreachable ({type(exc).__name__})") from exc


def _error_code(resp: requests.Response) -> str | None:
    """FCM's `error.details[].errorCode` (google.firebase.fcm.v1.FcmError), else `error.status`."""
    try:
        error = resp.json().get("error", {})
    except ValueError:
        return None
    for detail in error.get("details", []):
        if detail.get("errorCode"):
            return detail["errorCode"]
    return error.get("status")


def from_config(cfg: dict):
    backend = cfg.get("PUSH_BACKEND") or "local"
    if backend == "local":
        return LocalPushSender(cfg["PUSH_OUTBOX_FILE"])
    if backend == "fcm":
        if not (cfg.get("FCM_PROJECT_ID") and cfg.get("FCM_CREDENTIALS_FILE")):
            raise ConfigError("PUSH_BACKEND=fcm needs FCM_PROJECT_ID and FCM_CREDENTIALS_FILE (service-account JSON)")
        credentials = json.loads(Path(cfg["FCM_CREDENTIALS_FILE"]).read_text(encoding="utf-8"))
        return FcmSender(cfg["FCM_PROJECT_ID"], credentials, base_url=cfg.get("FCM_BASE_URL") or "https://fcm.googleapis.com",
                         token_url=cfg.get("FCM_TOKEN_URL"))
    raise ConfigError(f"unknown PUSH_BACKEND {backend!r}: use local or fcm")
