"""The three public HIS clients, request for request (docs/gateway.md): each class sends exactly
what that client's code sends (body encoding, field order, query encoding, date shapes) and reads
the answer the way it does, including when it takes a new token."""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from tests.api.gateway import his

TAKE = "/api/token/take"
CHECK = "/api/egw/KQNhanLichSuKCB2024"


class Client:
    def __init__(self, flask_client, password: str) -> None:
        self.http = flask_client
        self.password = password
        self.key: dict | None = None
        self.sent: list[tuple[str, int]] = []  # (path, HTTP status) of every request

    def _post(self, url: str, **kw):
        resp = self.http.post(url, **kw)
        self.sent.append((url.split("?")[0], resp.status_code))
        return resp


class Qlbv(Client):
    """tracnn/qlbv_public, Guzzle 6.5.8: form login (BHYTLoginService), form check with the
    credentials in a RFC 3986-encoded query; caches until expires_in; never refreshes on 401."""

    def login(self) -> dict:
        resp = self._post(TAKE, data=urlencode({"username": his.USERNAME, "password": self.password}),
                          content_type="application/x-www-form-urlencoded",
                          headers={"User-Agent": "GuzzleHttp/6.5.8 curl/7.68.0 PHP/7.4.3"})
        result = json.loads(resp.get_data())
        if "APIKey" not in result or not result["APIKey"]:
            raise RuntimeError("BHYT login failed: APIKey not found")
        self.key = result["APIKey"]
        return result

    def check(self, ma_the: str, ho_ten: str, ngay_sinh: str, ho_ten_cb: str) -> tuple[int, dict]:
        assert self.key is not None
        q = urlencode({"token": self.key["access_token"], "id_token": self.key["id_token"],
                       "username": his.USERNAME, "password": self.password}, quote_via=quote)
        form = urlencode({"maThe": ma_the, "hoTen": ho_ten, "ngaySinh": ngay_sinh, "hoTenCb": ho_ten_cb,
                          "cccdCb": his.STAFF_CCCD})  # http_build_query RFC 1738: space is '+'
        resp = self._post(f"{CHECK}?{q}", data=form, content_type="application/x-www-form-urlencoded")
        return resp.status_code, json.loads(resp.get_data())  # a 4xx body is read as the answer


class Vimes(Client):
    """thanhvimes/VIMES_HIS (axios): JSON login with the lower-case MD5, JSON check, query pasted
    unencoded; a 2024 call rejected with HTTP 401 takes a new token and is sent once more."""

    content_type = "application/json"

    def login(self) -> dict:
        resp = self._post(TAKE, data=json.dumps({"username": his.USERNAME, "password": self.password}),
                          content_type=self.content_type)
        result = resp.get_json()
        self.key = result["APIKey"]
        if not self.key or not self.key.get("access_token"):
            raise RuntimeError("no access_token")
        return result

    def _check_once(self, body: dict):
        q = (f"token={self.key['access_token']}&id_token={self.key['id_token']}"
             f"&username={his.USERNAME}&password={self.password}")
        return self._post(f"{CHECK}?{q}", data=json.dumps(body, ensure_ascii=False).encode(),
                          content_type=self.content_type)

    def check(self, body: dict) -> tuple[bool, dict]:
        resp = self._check_once(body)
        if resp.status_code == 401:
            self.login()
            resp = self._check_once(body)
        if resp.status_code >= 300:
            return False, {}
        answer = resp.get_json()
        return answer["maKetQua"] in ("000", "001", "002", "003", "004"), answer


class VimesDesktop(Vimes):
    """vimesdev/devteam HMSCardEntryDialog (C++/WinInet): a login before every check."""

    content_type = "application/json; charset=utf-8"

    def check(self, body: dict) -> tuple[bool, dict]:
        self.login()
        resp = self._check_once(body)
        answer = resp.get_json() if resp.status_code == 200 else {}
        return answer.get("maKetQua") in ("000", "003", "004"), answer


class Csr(Client):
    """Shinbad10/csr (node:https): JSON login, credentials in the query (encoded) and again in the
    body; one new token and one retry on 401/403, maKetQua 501/999 or a "token hết hạn" note."""

    def login(self) -> dict:
        resp = self._post(TAKE, data=json.dumps({"username": his.USERNAME, "password": self.password}),
                          content_type="application/json; charset=utf-8",
                          headers={"Accept": "application/json, text/plain, */*", "Accept-Encoding": "identity"})
        data = resp.get_json()
        token = data.get("access_token") or (data.get("APIKey") or {}).get("access_token")
        id_token = data.get("id_token") or (data.get("APIKey") or {}).get("id_token")
        if not token:
            raise RuntimeError("no token")
        self.key = {"access_token": token, "id_token": id_token}
        return data

    def _check_once(self, body: dict):
        q = urlencode({"username": his.USERNAME, "password": self.password, "token": self.key["access_token"],
                       "id_token": self.key["id_token"]})
        full = {**body, "username": his.USERNAME, "password": self.password}
        return self._post(f"{CHECK}?{q}", data=json.dumps(full, ensure_ascii=False).encode(),
                          content_type="application/json; charset=utf-8")

    @staticmethod
    def _stale(resp) -> bool:
        data = resp.get_json(silent=True) or {}
        note = str(data.get("ghiChu", "")).lower()
        return (resp.status_code in (401, 403) or data.get("maKetQua") in ("501", "999")
                or "token hết hạn" in note or "token không đúng" in note)

    def check(self, body: dict) -> tuple[bool, dict]:
        resp = self._check_once(body)
        if self._stale(resp):
            self.login()
            resp = self._check_once(body)
        answer = resp.get_json()
        return answer.get("maKetQua") in ("000", "001"), answer
