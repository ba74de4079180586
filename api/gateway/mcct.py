"""POST /api/TraCuuCCT/TraCuuTienMCCT: the gateway's co-payment look-up (CV 1839/CNTT-PM, 2026),
body `{username, maThe, hoTen, ngaySinh}` (JSON), answer `{MaKetQua, GhiChu, DataCCT,
ThongTinSoThe}` plus `ThongTinMienCCT` (the ceiling and the exemption, worked out here).

The person is found with the card check's identity rules (services/card_checks.check, stored as a
check; the protocol names no staff member, so 054/055 do not apply). MaKetQua: 200 found, with
this year's visits that carry a co-payment, newest discharge first; 204 no such card or person,
identity not matched, or no co-payment this year (the gateway's one code for both); 400 a parameter
missing, `maThe` not 10, 12 or 15 characters, or `ngaySinh` not a full dd/MM/yyyy date; 401 the
clinic client is switched off (a missing or bad token is the API's 401 problem document, as on
every gateway path); 500 an internal failure.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from flask import current_app, jsonify
from marshmallow import Schema, fields

import clock
import db
import errors
from api.smorest import Blueprint, accepts
from auth.client_state import checks_client_active
from auth.roles import CLINIC, current_actor
from services import card_checks, copay, visits
from services.audit import record

from .util import dmy, gateway_body

blp = Blueprint("mcct", __name__, url_prefix="/api/TraCuuCCT",
                description="National-gateway-compatible co-payment look-up (TraCuuTienMCCT)")
log = logging.getLogger(__name__)
SYSTEM_ERROR = "Có lỗi hệ thống xảy ra trong quá trình xử lý!"


class McctRequestSchema(Schema):
    username = fields.String()
    maThe = fields.String(required=True, metadata={"description": "card number (15), BHXH code (10) or CCCD (12)"})
    hoTen = fields.String(required=True)
    ngaySinh = fields.String(required=True, metadata={"description": "dd/MM/yyyy"})


def _parse(body) -> card_checks.CheckInput | None:
    if not isinstance(body, dict):
        return None
    number = "".join(str(body.get("maThe") or "").split())
    name = body.get("hoTen")
    dob = card_checks.parse_gateway_date(body.get("ngaySinh"))
    if len(number) not in (10, 12, 15) or not isinstance(name, str) or not name.strip() or dob is None:
        return None
    return card_checks.CheckInput(identifier=number, full_name=" ".join(name.split()), date_of_birth=dob,
                                  staff_required=False)


def _episodes(session, person_id: int, card_number: str, exempt_from) -> list[dict]:
    year = clock.today().year
    rows = [(v, n) for v, n in visits.history(session, person_id, 1000)
            if copay.local_day(v.discharged_at).year == year and v.copay > 0]
    rows.sort(key=lambda r: (r[0].discharged_at, r[0].id))
    running, out = Decimal(0), []
    for visit, _name in rows:
        running += visit.copay
        exempt = exempt_from is not None and copay.local_day(visit.discharged_at) >= exempt_from
        out.append({"Id": visit.id, "ngayTraCuu": dmy(clock.today()), "maThe": card_number,
                    "maCskcb": visit.facility_code, "ngayVao": dmy(visit.admitted_at), "ngayRa": dmy(visit.discharged_at),
                    "maDoiTuongKCB": visit.arrival_code or "", "tBNCCTMCCT": float(visit.copay) if exempt else 0.0,
                    "tBNCCTLuyKe": float(running), "ngayNhanCong": dmy(visit.received_at),
                    "ngayNhan": dmy(visit.received_at), **{f"duPhong{i}": "" for i in range(1, 6)}})
    return list(reversed(out))


def _found(outcome) -> dict:
    session, row = db.session(), outcome.row
    state = copay.of_card(row, outcome.renewed)
    current = (outcome.renewed or row).card
    exempt_from = clock.today().fromisoformat(state["exempt_from"]) if state["exempt_from"] else None
    data = _episodes(session, row.person.id, current.card_number, exempt_from)
    actor = current_actor()
    record(session, actor.audit_ref, "visits.copay_lookup", ("insured_person", row.person.id),
           {"facility_code": actor.facility_code, "check_id": outcome.check.id})
    session.commit()
    if not data:
        return {"MaKetQua": "204", "GhiChu": "Không có chi phí cùng chi trả trong năm.", "DataCCT": None,
                "ThongTinSoThe": None}
    return {
        "MaKetQua": "200",
        "GhiChu": f"Dữ liệu tính đến {clock.now().astimezone(copay.VN):%d/%m/%Y %H:%M}. Lũy kế cùng chi trả "
                  f"năm {state['year']}: {state['paid']:,.0f} đồng; ngưỡng 6 tháng lương cơ sở: "
                  f"{state['ceiling']:,} đồng.".replace(",", "."),
        "DataCCT": data,
        "ThongTinSoThe": {"hoTen": row.person.full_name, "ngaySinh": dmy(row.person.date_of_birth),
                          "ngayKetThuc": dmy(current.valid_to), "maBhxh": row.person.bhxh_code,
                          **{f"duPhong{i}": "" for i in range(1, 6)}},
        "ThongTinMienCCT": {"namTaiChinh": state["year"], "luyKe": state["paid"], "nguong": state["ceiling"],
                            "duNamNamLienTuc": state["five_years"], "mienCCT": state["exempt"],
                            "ngayMienCCT": dmy(exempt_from) if exempt_from else ""},
    }


@blp.route("/TraCuuTienMCCT", methods=["POST"])
@blp.roles_required(CLINIC)
@accepts("application/json", "application/x-www-form-urlencoded")
@blp.alt_response(200, description="MaKetQua 200 / 204 / 400 (HTTP 200); 401 and 500 as their HTTP status")
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": McctRequestSchema}}})
@checks_client_active  # card_checks.check's SELECT reads the client's active flag
def copay_lookup():
    """This year's co-payments of a card holder and whether they are exempt (NĐ 188/2025 Art. 18)."""
    inp = _parse(gateway_body())
    if inp is None:
        return jsonify({"MaKetQua": "400", "GhiChu": "Thiếu tham số hoặc sai định dạng (maThe, hoTen, ngaySinh).",
                        "DataCCT": None, "ThongTinSoThe": None})
    actor = current_actor()
    try:
        outcome = card_checks.check(db.hot_path_runner(), client_id=actor.subject, facility_code=actor.facility_code,
                                    inp=inp, keys_dir=current_app.config["CARD_KEYS_DIR"])
        if not (outcome.identity_matched and outcome.row is not None):
            return jsonify({"MaKetQua": "204", "GhiChu": "Không tìm thấy thông tin thẻ.", "DataCCT": None,
                            "ThongTinSoThe": None})
        return jsonify(_found(outcome))
    except errors.AppError as exc:
        if getattr(exc, "status", None) == 401:
            return jsonify({"MaKetQua": "401", "GhiChu": "Lỗi xác thực tài khoản."}), 401
        raise
    except Exception:  # the gateway's contract: MaKetQua 500 in JSON, never an HTML page
        log.exception("TraCuuTienMCCT failed")
        db.session().rollback()
        return jsonify({"MaKetQua": "500", "GhiChu": SYSTEM_ERROR}), 500
