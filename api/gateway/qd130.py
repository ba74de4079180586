"""POST /api/qd130/guiHoSoXmlQD4750: a hospital system sends its visit file as it sends it to the
national gateway (form `username, loaiHoSo, maTinh, maCSKCB, fileHSBase64`, the GIAMDINHHS
envelope in base64) and gets the gateway's answer `{maKetQua, maGiaoDich, thoiGianTiepNhan,
thongDiep}` (HTTP 200), plus `dsLoi` naming each error. Same validator and all-or-nothing write as
POST /api/v1/clinic/visits (services/visits.py).

maKetQua: 200 recorded; 400 the file or a visit is refused (nothing recorded); 403 maCSKCB (or the
envelope's MACSKCB) is not the calling clinic's facility; 500 an internal failure.
"""
from __future__ import annotations

import logging

from flask import jsonify, request
from marshmallow import Schema, fields

import clock
import db
from api.smorest import Blueprint, accepts
from auth.roles import CLINIC, current_actor
from services import visits
from services.visit_xml import XmlRefused, read_envelope

from .util import stamp

blp = Blueprint("qd130", __name__, url_prefix="/api/qd130",
                description="National-gateway-compatible visit submission (QĐ 130 / QĐ 4750)")
log = logging.getLogger(__name__)


class SubmissionFormSchema(Schema):
    username = fields.String(metadata={"description": "the gateway account (kept for compatibility)"})
    loaiHoSo = fields.String(metadata={"description": "file kind, e.g. 130"})
    maTinh = fields.String(metadata={"description": "the facility's province (2 digits)"})
    maCSKCB = fields.String(required=True, metadata={"description": "the calling clinic's facility code"})
    fileHSBase64 = fields.String(required=True, metadata={"description": "base64 of the GIAMDINHHS XML"})


class ErrorItemSchema(Schema):
    maLK = fields.String(allow_none=True)
    truong = fields.String(metadata={"description": "the XML1 field (or the envelope part)"})
    maLoi = fields.String(metadata={"description": "the rule broken (docs/visits.md)"})
    moTa = fields.String()


class SubmissionAnswerSchema(Schema):
    maKetQua = fields.String()
    maGiaoDich = fields.String(allow_none=True)
    thoiGianTiepNhan = fields.String(allow_none=True, metadata={"description": "yyyyMMddHHmmss, Vietnam time"})
    thongDiep = fields.String()
    dsLoi = fields.List(fields.Nested(ErrorItemSchema))


def _answer(code: str, message: str, errors: list | None = None, submission: str | None = None):
    return jsonify({"maKetQua": code, "maGiaoDich": submission,
                    "thoiGianTiepNhan": stamp(clock.now(), "%Y%m%d%H%M%S"), "thongDiep": message,
                    "dsLoi": errors or []})


def _refusal(errors: list[visits.VisitError]):
    items = [{"maLK": e.ma_lk, "truong": e.field, "maLoi": e.rule, "moTa": e.message} for e in errors]
    shown = "; ".join(f"{e.ma_lk or '#' + str(e.index + 1)} {e.field}: {e.rule}" for e in errors[:20])
    return _answer("400", f"Hồ sơ bị từ chối, không ghi nhận hồ sơ nào ({len(errors)} lỗi): {shown}", items)


@blp.route("/guiHoSoXmlQD4750", methods=["POST"])
@blp.roles_required(CLINIC)
@accepts("application/x-www-form-urlencoded", "multipart/form-data", "application/json")
@blp.alt_response(200, schema=SubmissionAnswerSchema, description="maKetQua (always HTTP 200)")
@blp.doc(requestBody={"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": SubmissionFormSchema}}})
def submit_xml():
    """Record the visits of a GIAMDINHHS file: all of them, or none with every error named."""
    form = request.get_json(silent=True) if request.mimetype == "application/json" else request.form
    form = form if hasattr(form, "get") else {}
    facility = current_actor().facility_code
    if not isinstance(form.get("fileHSBase64"), str) or not form.get("fileHSBase64"):
        return _answer("400", "Thiếu fileHSBase64.", [{"maLK": None, "truong": "fileHSBase64",
                                                      "maLoi": "required", "moTa": "fileHSBase64 is required."}])
    if (form.get("maCSKCB") or facility) != facility:
        return _answer("403", "maCSKCB không phải cơ sở của tài khoản gọi.")
    if form.get("maTinh") and form.get("maTinh") != facility[:2]:
        return _answer("400", "maTinh không khớp maCSKCB.", [{"maLK": None, "truong": "maTinh",
                                                              "maLoi": "facility_mismatch", "moTa": "maTinh must be "
                                                              "the first two digits of maCSKCB."}])
    try:
        envelope = read_envelope(form["fileHSBase64"])
        if envelope.facility_code and envelope.facility_code != facility:
            return _answer("403", "MACSKCB của tệp không phải cơ sở của tài khoản gọi.")
        done = visits.record(db.session(), facility, envelope.visits, strict=False)
    except XmlRefused as exc:
        return _answer("400", f"Tệp không đọc được: {exc.message}",
                       [{"maLK": None, "truong": exc.where, "maLoi": exc.rule, "moTa": exc.message}])
    except visits.VisitsRefused as exc:
        return _refusal(exc.visit_errors)
    except Exception:  # the gateway's contract: a JSON maKetQua 500, never an HTML page
        log.exception("guiHoSoXmlQD4750 failed")
        db.session().rollback()
        return _answer("500", "Có lỗi hệ thống xảy ra trong quá trình xử lý!")
    return _answer("200", f"Tiếp nhận thành công {len(done.visits)} hồ sơ.", submission=done.submission_id)
