"""The gateway's visit calls, replayed as hospital systems send them: Lskcb2025 (tracnn/qlbv_public
LichSuKcb.php: form body, 8-digit ngaySinh normalised), guiHoSoXmlQD4750 (BHYTXmlSubmitService:
form username/loaiHoSo/maTinh/maCSKCB/fileHSBase64) and TraCuuTienMCCT (JSON
{username, maThe, hoTen, ngaySinh})."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from models import AuditEvent, CardCheck, Visit
from tests import factories as f
from tests.api.visits.helpers import (
    CARD,
    STAFF,
    envelope,
    form,
    holder_with_card,
    visit,
)
from tests.api.visits.test_me_visits import day_visit
from tests.conftest import assert_problem

LSKCB = "/api/egw/Lskcb2025"
SUBMIT = "/api/qd130/guiHoSoXmlQD4750"
MCCT = "/api/TraCuuCCT/TraCuuTienMCCT"
# The query-string credentials of a real HIS are replayed in tests/api/gateway/test_replay.py; here the
# clinic token comes as a Bearer header, which the gateway takes too.
QUERY = ""


@pytest.fixture
def at_now(frozen_clock):
    from tests.api.visits.helpers import NOW

    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def clinic(app, session, at_now):
    return f.clinic(app, session, staff=STAFF)[1]


def lskcb_form(**changes) -> dict:
    body = {"maThe": CARD, "hoTen": "Nguyễn Văn An", "ngaySinh": "05/03/1995", "hoTenCb": STAFF[1], "cccdCb": STAFF[0]}
    return body | changes


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


# ---- guiHoSoXmlQD4750 ------------------------------------------------------------------------------

def test_a_his_file_is_recorded(client, session, clinic):
    holder_with_card(session)
    resp = client.post(SUBMIT + QUERY, data=form(envelope([visit("LK1"), day_visit(2)], wrap=True)), headers=clinic)
    body = resp.get_json()
    assert resp.status_code == 200 and body["maKetQua"] == "200", body
    assert len(body["maGiaoDich"]) == 32 and len(body["thoiGianTiepNhan"]) == 14 and body["dsLoi"] == []
    assert body["thoiGianTiepNhan"].startswith("20260615100")
    assert count(session, Visit) == 2


def test_a_refused_file_names_every_error_and_records_nothing(client, session, clinic):
    holder_with_card(session)
    file = envelope([visit("LK1"), visit("LK2", NGAY_RA="202605010000", MA_THE_BHYT="HC4010999999999")])
    body = client.post(SUBMIT, data=form(file), headers=clinic).get_json()
    assert body["maKetQua"] == "400" and body["maGiaoDich"] is None
    assert {(e["maLK"], e["truong"], e["maLoi"]) for e in body["dsLoi"]} == {("LK2", "NGAY_RA", "before_ngay_vao")}
    assert "LK2 NGAY_RA: before_ngay_vao" in body["thongDiep"]
    assert count(session, Visit) == 0


@pytest.mark.parametrize("data,code,rule", [
    ({"maCSKCB": "01001"}, "400", "required"),
    (form(envelope([visit()]), facility="79001"), "403", None),
    (form(envelope([visit()], facility="79001")), "403", None),
    (form(envelope([visit()])) | {"maTinh": "79"}, "400", "facility_mismatch"),
    (form("@@not base64@@"), "400", "bad_base64"),
    (form(envelope([], xml1=[b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><TONG_HOP>&e;</TONG_HOP>'])),
     "400", "xml_forbidden"),
])
def test_refusals(client, session, clinic, data, code, rule):
    holder_with_card(session)
    body = client.post(SUBMIT, data=data, headers=clinic).get_json()
    assert body["maKetQua"] == code, body
    if rule:
        assert body["dsLoi"][0]["maLoi"] == rule
    assert count(session, Visit) == 0


def test_a_100_mb_body_is_refused_before_it_is_read(client, clinic):
    class Endless(io.RawIOBase):
        read_bytes = 0

        def seekable(self):
            return True

        def seek(self, *_args):
            return 0

        def tell(self):
            return 0

        def readinto(self, buffer):
            self.read_bytes += len(buffer)
            buffer[:] = b"A" * len(buffer)
            return len(buffer)

    stream = Endless()
    resp = client.post(SUBMIT, input_stream=stream, headers={**clinic, "Content-Type": "application/x-www-form-urlencoded"},
                       environ_overrides={"CONTENT_LENGTH": str(100 * 1024 * 1024)})
    assert_problem(resp, 413, "payload_too_large")
    assert stream.read_bytes == 0


def test_an_internal_failure_is_a_json_500(client, session, clinic, monkeypatch):
    from services import visits

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(visits, "record", broken)
    resp = client.post(SUBMIT, data=form(envelope([visit()])), headers=clinic)
    assert resp.status_code == 200 and resp.get_json()["maKetQua"] == "500"


def test_submission_is_for_clinics_only(app, client, session, at_now):
    assert_problem(client.post(SUBMIT, data=form("QQ==")), 401, "unauthorized")
    assert_problem(client.post(SUBMIT, data=form("QQ=="), headers=f.employer(app, session)[1]), 403, "forbidden")


# ---- Lskcb2025 -------------------------------------------------------------------------------------

def test_history_after_the_card_checks_identity_rules(client, session, clinic):
    person, _ = holder_with_card(session)
    other_clinic = f.clinic(client.application, session, facility_code="79001", staff=("079090000123", "Phạm Văn Dũng"))[1]
    assert client.post("/api/v1/clinic/visits", json={"visits": [visit("LK1")]}, headers=clinic).status_code == 200
    assert client.post("/api/v1/clinic/visits", json={"visits": [day_visit(9, MA_CSKCB="79001", MA_LOAI_RV="2",
                                                                          KET_QUA_DTRI="2", MA_DOITUONG_KCB="3.3")]},
                       headers=other_clinic).status_code == 200
    resp = client.post(LSKCB + QUERY, data=lskcb_form(ngaySinh="05031995"), headers=clinic)
    body = resp.get_json()
    assert body["maKetQua"] == "000" and body["ghiChu"] == "Thông tin thẻ BHYT chính xác"
    assert body["dsLichSuKCB2025"] == [
        {"maHoSo": "LK009", "maCSKCB": "79001", "ngayVao": "202606090800", "ngayRa": "202606090900",
         "tenBenh": "Viêm đường hô hấp trên cấp", "tinhTrang": "2", "kqDieuTri": "2", "lyDoVV": "3"},
        {"maHoSo": "LK1", "maCSKCB": "01001", "ngayVao": "202606010830", "ngayRa": "202606010945",
         "tenBenh": "Viêm đường hô hấp trên cấp", "tinhTrang": "1", "kqDieuTri": "1", "lyDoVV": "1"}]
    session.expire_all()
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "visits.history_lookup")).one()
    assert audit.target_id == str(person.id) and audit.detail["visits"] == 2
    assert count(session, CardCheck) == 1  # the look-up is stored as a check


@pytest.mark.parametrize("changes,code", [
    ({"hoTen": "Nguyễn Văn Bình"}, "060"), ({"ngaySinh": "06/03/1995"}, "070"), ({"maThe": "HC4010999999999"}, "050"),
    ({"cccdCb": "001095099999"}, "054"), ({"ngaySinh": "1995-03-05"}, "205"), ({"maThe": "XX1"}, "051"),
])
def test_no_history_unless_the_identity_matched(client, session, clinic, changes, code):
    holder_with_card(session)
    client.post("/api/v1/clinic/visits", json={"visits": [visit("LK1")]}, headers=clinic)
    body = client.post(LSKCB, json=lskcb_form(**changes), headers=clinic).get_json()
    assert body["maKetQua"] == code and body["dsLichSuKCB2025"] is None


def test_history_of_someone_without_visits_and_the_json_body(client, session, clinic):
    holder_with_card(session)
    assert client.post(LSKCB, json=lskcb_form(), headers=clinic).get_json() == {
        "maKetQua": "000", "ghiChu": "Thông tin thẻ BHYT chính xác", "dsLichSuKCB2025": []}


# ---- TraCuuTienMCCT --------------------------------------------------------------------------------

def mcct(client, headers, **changes):
    body = {"username": "01001_BV", "maThe": CARD, "hoTen": " Nguyễn  Văn An ", "ngaySinh": "05/03/1995"} | changes
    return client.post(MCCT, json=body, headers=headers)


def test_mcct_200_with_the_years_episodes_and_the_exemption(client, session, clinic):
    holder_with_card(session)
    client.post("/api/v1/clinic/visits", json={"visits": [day_visit(1, copay=14_000_000), day_visit(4, copay=50_000),
                                                          day_visit(8, copay=0)]}, headers=clinic)
    body = mcct(client, clinic).get_json()
    assert body["MaKetQua"] == "200" and "14.050.000" in body["GhiChu"] and "14.040.000" in body["GhiChu"]
    assert [(d["ngayRa"], d["tBNCCTLuyKe"], d["tBNCCTMCCT"]) for d in body["DataCCT"]] == [
        ("04/06/2026", 14_050_000.0, 50_000.0), ("01/06/2026", 14_000_000.0, 0.0)]
    assert body["DataCCT"][0]["maCskcb"] == "01001" and body["DataCCT"][0]["duPhong1"] == ""
    assert body["ThongTinSoThe"]["maBhxh"] == "0123456789" and body["ThongTinSoThe"]["ngayKetThuc"] == "31/12/2026"
    assert body["ThongTinMienCCT"] == {"namTaiChinh": 2026, "luyKe": 14_050_000.0, "nguong": 14_040_000,
                                       "duNamNamLienTuc": True, "mienCCT": True, "ngayMienCCT": "04/06/2026"}
    assert mcct(client, clinic, maThe="0123456789").get_json()["MaKetQua"] == "200"  # the 10-digit code too


def test_mcct_204_400_401_500(app, client, session, clinic, monkeypatch):
    from models import ApiClient

    holder_with_card(session)
    assert mcct(client, clinic).get_json()["MaKetQua"] == "204"  # found, no co-payment this year
    assert mcct(client, clinic, hoTen="Người Khác").get_json()["MaKetQua"] == "204"  # identity not matched
    assert mcct(client, clinic, maThe="HC4010999999999").get_json()["MaKetQua"] == "204"
    for bad in ({"maThe": "DN40101234567"}, {"ngaySinh": "1995"}, {"hoTen": ""}, {"maThe": None}):
        assert mcct(client, clinic, **bad).get_json()["MaKetQua"] == "400", bad
    assert client.post(MCCT, data="[1]", headers={**clinic, "Content-Type": "application/json"}).get_json()[
        "MaKetQua"] == "400"
    from services import card_checks

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    with monkeypatch.context() as m:
        m.setattr(card_checks, "check", broken)
        resp = mcct(client, clinic)
        assert resp.status_code == 500 and resp.get_json()["MaKetQua"] == "500"
    for cl in session.scalars(select(ApiClient)):
        cl.active = False
    session.commit()
    resp = mcct(client, clinic)
    assert resp.status_code == 401 and resp.get_json()["MaKetQua"] == "401"
    assert_problem(mcct(client, {}), 401, "unauthorized")
    assert_problem(mcct(client, f.citizen(app, session)[1]), 403, "forbidden")
