"""Replays of the public HIS clients (docs/gateway.md, cases G1-G11), each against a fresh service."""
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.gateway import his
from tests.api.gateway.replay_clients import CHECK, TAKE, Csr, Qlbv, Vimes, VimesDesktop

PARTIAL = pytest.mark.xfail(strict=True, reason="partial birth dates, part A")
CB = "NGUYEN VAN CAN BO"


@pytest.fixture
def world(app, session, at_now):
    return his.build(app, session)


def strtotime(value: str) -> datetime:
    """PHP's strtotime() on the gateway's `2017-11-13T03:51:20.1047187Z` (qlbv caches until then)."""
    return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)


def expire_next_token(monkeypatch):
    from auth import gateway
    monkeypatch.setattr(gateway, "GATEWAY_TOKEN_TTL", timedelta(seconds=-5))
    return lambda: monkeypatch.setattr(gateway, "GATEWAY_TOKEN_TTL", timedelta(hours=24))


# ---- A: qlbv (PHP) -----------------------------------------------------------------------------

def test_g1_qlbv_login_upper_case_md5_form(client, world):
    qlbv = Qlbv(client, world.md5_upper)
    result = qlbv.login()
    assert result["maKetQua"] == "200"  # the legacy login path compares it with '200'
    key = result["APIKey"]
    assert key["token_type"] == "Bearer" and key["username"] == his.USERNAME
    assert strtotime(key["expires_in"]) > datetime.now(UTC) + timedelta(hours=23)


def test_g2c_qlbv_check_vietnamese_name_all_keys(client, world):
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    status, answer = qlbv.check(his.CARD, "NGUYỄN VĂN A", "20/02/1979", CB)
    assert status == 200
    assert set(his.QLBV_KEYS) <= set(answer)
    assert (answer["maKetQua"], answer["maThe"], answer["hoTen"], answer["ngaySinh"]) == (
        "000", his.CARD, his.HOLDER, "20/02/1979")
    assert answer["gioiTinh"] in ("Nam", "Nữ", "Chưa xác định") and answer["maDKBD"] == his.FACILITY
    assert (answer["gtTheTu"], answer["gtTheDen"]) == ("01/01/2026", "31/12/2026")
    assert answer["dsLichSuKCB2018"] is None and answer["dsLichSuKT2018"][0]["userKT"] == "01929_BV"


def test_g2_qlbv_check_unaccented_holder(app, client, session, world):
    from models import InsuredPerson
    session.query(InsuredPerson).one().full_name = "NGUYEN VAN A"
    session.commit()
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    assert qlbv.check(his.CARD, "NGUYEN VAN A", "20/02/1979", CB)[1]["maKetQua"] == "000"


def test_g2b_qlbv_check_qr_date(client, world):
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    assert qlbv.check(his.CARD, "Nguyễn Văn A", "20021979", CB)[1]["maKetQua"] == "000"


@PARTIAL
def test_g2a_qlbv_batch_year_only(client, world):
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    assert qlbv.check(his.CARD, "Nguyễn Văn A", "1979", CB)[1]["maKetQua"] == "000"


def test_every_key_even_when_nothing_is_found(client, world):
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    _status, answer = qlbv.check("DN4010100000002", "Nguyễn Văn A", "20/02/1979", CB)
    assert answer["maKetQua"] == "050" and set(his.QLBV_KEYS) <= set(answer)
    assert all(answer[k] is None for k in ("maThe", "hoTen", "gtTheDen", "maDKBDMoi", "tenDKBDMoi"))


def test_g2d_qlbv_expired_token_reads_401_and_does_not_retry(client, world, monkeypatch):
    expire_next_token(monkeypatch)
    qlbv = Qlbv(client, world.md5_upper)
    qlbv.login()
    status, answer = qlbv.check(his.CARD, "Nguyễn Văn A", "20/02/1979", CB)
    assert (status, answer["maKetQua"]) == (401, "401")
    assert qlbv.sent == [(TAKE, 200), (CHECK, 401)]


# ---- B: VIMES (TypeScript) and its C++ desktop ---------------------------------------------------

def vimes_body(dob="1979"):
    return {"maThe": his.CARD, "hoTen": "Nguyễn Văn A", "ngaySinh": dob, "hoTenCb": "Cán bộ tiếp nhận",
            "cccdCb": his.STAFF_CCCD}


@pytest.fixture
def vimes_world(app, session, at_now):
    return his.build(app, session, staff_name="Cán bộ tiếp nhận")


def test_g6_vimes_login_lower_case_md5_json(client, vimes_world):
    assert Vimes(client, vimes_world.md5).login()["APIKey"]["access_token"]


@PARTIAL
def test_g7_vimes_check_year_only(client, vimes_world):
    vimes = Vimes(client, vimes_world.md5)
    vimes.login()
    ok, answer = vimes.check(vimes_body())
    assert ok and answer["maThe"] == his.CARD and answer["ngaySinh"] == "20/02/1979"


def test_g7a_vimes_refreshes_on_http_401(client, vimes_world, monkeypatch):
    restore = expire_next_token(monkeypatch)
    vimes = Vimes(client, vimes_world.md5)
    vimes.login()
    restore()
    _ok, answer = vimes.check(vimes_body("20/02/1979"))
    assert vimes.sent == [(TAKE, 200), (CHECK, 401), (TAKE, 200), (CHECK, 200)]
    assert answer["maKetQua"] == "000"


@PARTIAL
def test_g8_vimes_desktop_year_only(client, vimes_world):
    ok, answer = VimesDesktop(client, vimes_world.md5).check(vimes_body())
    assert ok and answer["maKetQua"] == "000"


def test_g8_vimes_desktop_logs_in_before_every_check(client, vimes_world):
    desk = VimesDesktop(client, vimes_world.md5)
    for _ in range(2):
        ok, answer = desk.check(vimes_body("20/02/1979"))
        assert ok and answer["hoTen"] == his.HOLDER
    assert desk.sent == [(TAKE, 200), (CHECK, 200)] * 2


# ---- C: csr (Next.js) ------------------------------------------------------------------------------

def csr_body(ma_the=his.CARD, dob="20/02/1979"):
    return {"maThe": ma_the, "hoTen": "Nguyễn Văn A", "ngaySinh": dob, "hoTenCb": CB, "cccdCb": his.STAFF_CCCD}


def test_g9_g10_csr_login_and_check(client, world):
    csr = Csr(client, world.md5_upper)
    csr.login()
    ok, answer = csr.check(csr_body())
    assert ok and answer["maThe"] == his.CARD and answer["maSoBHXH"] == "0100000001"
    for key in ("gtTheTu", "gtTheDen", "maDKBD", "cqBHXH", "hoTen", "ngaySinh", "diaChi", "gioiTinh", "ngayDu5Nam",
                "maKV", "ghiChu", "gtTheTuMoi", "gtTheDenMoi", "maDKBDMoi", "tenDKBDMoi"):
        assert key in answer


def test_g10a_csr_check_by_cccd(client, world):
    csr = Csr(client, world.md5_upper)
    csr.login()
    ok, answer = csr.check(csr_body(ma_the="001079000123"))
    assert ok and answer["maThe"] == his.CARD


def test_g10b_csr_empty_birth_date_is_205(client, world):
    csr = Csr(client, world.md5_upper)
    csr.login()
    ok, answer = csr.check(csr_body(dob=""))
    assert not ok and answer["maKetQua"] == "205" and answer["hoTen"] is None


def test_g10c_csr_refreshes_once_on_401(client, world, monkeypatch):
    restore = expire_next_token(monkeypatch)
    csr = Csr(client, world.md5_upper)
    csr.login()
    restore()
    ok, _answer = csr.check(csr_body())
    assert ok and csr.sent == [(TAKE, 200), (CHECK, 401), (TAKE, 200), (CHECK, 200)]


# ---- D / G11: case and encoding tolerance ------------------------------------------------------------

def test_g11_capitalised_json_fields_upper_md5(client, world):
    resp = client.post(TAKE, json={"Username": his.USERNAME, "Password": world.md5_upper})
    assert resp.get_json()["maKetQua"] == "200"


def test_g11_form_with_accept_json_upper_md5(client, world):
    resp = client.post(TAKE, data=f"username={his.USERNAME}&password={world.md5_upper}",
                       content_type="application/x-www-form-urlencoded", headers={"Accept": "application/json"})
    assert resp.get_json()["maKetQua"] == "200"
