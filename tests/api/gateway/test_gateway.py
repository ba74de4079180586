"""POST /api/egw/KQNhanLichSuKCB2024: the same table as /clinic/card-checks, in the gateway's dialect."""
from datetime import date

import pytest

from card_codes import MESSAGES
from models import CardCheck
from tests import factories as f
from tests.api.clinic.cases import CASES, STAFF, base_request, to_gateway
from tests.conftest import assert_problem

URL = "/api/egw/KQNhanLichSuKCB2024"
PERSONAL = ("hoTen", "ngaySinh", "gioiTinh", "diaChi", "maDKBD", "gtTheTu", "gtTheDen", "maSoBHXH", "maThe")


def post(client, headers, body, form=False):
    resp = client.post(URL, data=body, headers=headers) if form else client.post(URL, json=body, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_every_result_code(client, session, clinic_headers, case, form):
    body = post(client, clinic_headers, to_gateway(case.arrange(session)), form=form)
    assert body["maKetQua"] == case.code, case.note
    assert body["ghiChu"].startswith(MESSAGES[case.code])
    usable = body["maKetQua"] in ("000", "001", "002", "003", "004")
    assert usable is case.usable
    assert all((body[k] is not None) is case.card for k in ("hoTen", "ngaySinh", "maThe", "maSoBHXH"))
    assert (body["maTheMoi"] is not None) is case.renewed
    assert body["dsLichSuKCB2018"] is None
    assert session.get(CardCheck, session.query(CardCheck.id).scalar()).result_code == case.code


def test_answer_in_the_gateway_formats(client, session, clinic_headers):
    p = f.person(session, full_name="Trần Thị Bình", date_of_birth=date(1994, 3, 5), gender="female")
    p.address = "Phường Phú Lãm, Hà Nội"
    card = f.card(session, p, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    card.area_code, card.five_year_date = "K2", date(2025, 6, 1)
    session.commit()
    body = post(client, clinic_headers, {"maThe": "DN4010123456789", "hoTen": "TRẦN THỊ BÌNH", "ngaySinh": "05031994",
                                         "hoTenCb": STAFF[1], "cccdCb": STAFF[0]})
    expected = {
        "maKetQua": "000", "maThe": "DN4010123456789", "hoTen": "Trần Thị Bình", "ngaySinh": "05/03/1994",
        "gioiTinh": "Nữ", "diaChi": "Phường Phú Lãm, Hà Nội", "maDKBD": "01001", "cqBHXH": "BHXH thành phố Hà Nội",
        "gtTheTu": "01/01/2026", "gtTheDen": "31/12/2026", "maKV": "K2", "ngayDu5Nam": "01/06/2025",
        "maSoBHXH": "0123456789", "maTheCu": None, "maTheMoi": None, "gtTheTuMoi": None, "gtTheDenMoi": None,
        "maDKBDMoi": None, "tenDKBDMoi": None, "dsLichSuKCB2018": None,
    }
    assert {k: body[k] for k in expected} == expected
    assert body["ghiChu"].startswith("Thông tin thẻ BHYT chính xác! Họ tên : Trần Thị Bình, Ngày sinh: 05/03/1994")
    assert body["dsLichSuKT2018"] == [{"userKT": "01001_BV", "thoiGianKT": "202606151000",
                                      "thongBao": MESSAGES["000"], "maLoi": "000"}]


def test_renewed_card_fields(client, session, clinic_headers):
    req = next(c for c in CASES if c.code == "003").arrange(session)
    body = post(client, clinic_headers, to_gateway(req))
    assert (body["maTheCu"], body["maTheMoi"]) == ("DN4010123456789", "HC4010123456789")
    assert (body["gtTheTuMoi"], body["gtTheDenMoi"]) == ("01/01/2026", "31/12/2026")
    assert (body["maDKBDMoi"], body["tenDKBDMoi"]) == ("01001", "Bệnh viện Bạch Mai")


@pytest.mark.parametrize("ngay_sinh,code", [("05/03/1995", "000"), ("05031995", "000"), ("5/3/1995", "205"),
                                            ("1995-03-05", "205"), ("31/02/1995", "205"), ("", "205")])
def test_date_of_birth_shapes(client, session, clinic_headers, ngay_sinh, code):
    req = to_gateway(CASES[0].arrange(session))
    assert post(client, clinic_headers, {**req, "ngaySinh": ngay_sinh})["maKetQua"] == code


def test_extra_fields_ignored_and_cccd_accepted(client, session, clinic_headers):
    p = f.person(session, cccd="001095000001")
    f.card(session, p)
    req = {**to_gateway(base_request("001095000001")), "token": "x", "id_token": "y", "username": "01001_BV"}
    assert post(client, clinic_headers, req)["maKetQua"] == "000"


def test_privacy_no_personal_data_without_the_name(client, session, clinic_headers):
    p = f.person(session)
    p.address = "Số 1 Phố Huế"
    f.card(session, p)
    session.commit()
    body = post(client, clinic_headers, {**to_gateway(base_request("DN4010123456789")), "hoTen": "Lê Thị Hoa"})
    assert body["maKetQua"] == "060"
    assert all(body[k] is None for k in PERSONAL) and body["dsLichSuKT2018"] is None
    assert "Phố Huế" not in str(body) and "0123456789" not in str(body)


def test_non_json_body_is_205(client, clinic_headers, session):
    resp = client.post(URL, data=b"{oops", content_type="application/json", headers=clinic_headers)
    assert resp.status_code == 200 and resp.get_json()["maKetQua"] == "205"


def test_other_content_type_is_415(client, clinic_headers):
    assert_problem(client.post(URL, data=b"x", content_type="text/plain", headers=clinic_headers), 415,
                   "unsupported_media_type")


@pytest.mark.parametrize("who", ["anonymous", "bad", "citizen", "officer", "employer"])
def test_only_clinic_tokens(app, client, session, at_now, who):
    headers = {
        "anonymous": lambda: {},
        "bad": lambda: {"Authorization": "Bearer not-a-token"},
        "citizen": lambda: f.citizen(app, session)[1],
        "officer": lambda: f.officer(app, session)[1],
        "employer": lambda: f.employer(app, session)[1],
    }[who]()
    resp = client.post(URL, json=to_gateway(base_request("DN4010123456789")), headers=headers)
    # The gateway has no 403: every caller but a clinic is told "401", in JSON (clients refresh on it).
    assert (resp.status_code, resp.mimetype, resp.get_json()["maKetQua"]) == (401, "application/json", "401")
