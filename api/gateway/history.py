"""POST /api/egw/Lskcb2025: the national gateway's visit history (CV 2746/BHXH-CNTT), served from
the visits clinics reported (CONTRACT §9, §5b).

The request is the card check's (maThe, hoTen, ngaySinh, hoTenCb, cccdCb; form or JSON) and so is
the decision: services/card_checks.check runs, and is stored, exactly as for KQNhanLichSuKCB2024.
Only when the holder's identity matched (000-004, 010, 110, 120-124) does the answer carry the
history, every facility's visits newest first (at most 50); the look-up is audited.
"""
from __future__ import annotations

from flask import current_app, jsonify
from marshmallow import Schema, fields

import db
from api.smorest import accepts
from auth.roles import current_actor
from services import card_checks, visits
from services.audit import record

from .credentials import gateway_credentials
from .routes import GATEWAY_CREDENTIAL_PARAMETERS, GatewayRequestSchema, blp
from .util import gateway_body, stamp

HISTORY_LIMIT = 50


class HistoryItemSchema(Schema):
    maHoSo = fields.String(metadata={"description": "the reporting facility's MA_LK"})
    maCSKCB = fields.String()
    ngayVao = fields.String(metadata={"description": "yyyyMMddHHmm, Vietnam time"})
    ngayRa = fields.String(metadata={"description": "yyyyMMddHHmm, Vietnam time"})
    tenBenh = fields.String(metadata={"description": "CHAN_DOAN_RV, else the ICD-10 code and WHO title"})
    tinhTrang = fields.String(metadata={"description": "MA_LOAI_RV: 1 ra viện, 2 chuyển viện, 3 trốn viện, ..."})
    kqDieuTri = fields.String(metadata={"description": "KET_QUA_DTRI: 1 khỏi, 2 đỡ, ..., 5 tử vong"})
    lyDoVV = fields.String(allow_none=True, metadata={"description": "MA_DOITUONG_KCB group: 1 đúng tuyến, 2 cấp cứu, 3 ..."})


class HistoryResponseSchema(Schema):
    maKetQua = fields.String()
    ghiChu = fields.String()
    dsLichSuKCB2025 = fields.List(fields.Nested(HistoryItemSchema), allow_none=True)


def history_item(visit, _facility_name) -> dict:
    name = visit.diagnosis or f"{visit.main_icd} {visits.icd10.title(visit.main_icd) or ''}".strip()
    return {
        "maHoSo": visit.ma_lk, "maCSKCB": visit.facility_code,
        "ngayVao": stamp(visit.admitted_at), "ngayRa": stamp(visit.discharged_at), "tenBenh": name,
        "tinhTrang": str(visit.discharge_type), "kqDieuTri": str(visit.treatment_result),
        "lyDoVV": visit.arrival_code.split(".")[0] if visit.arrival_code else None,
    }


@blp.route("/Lskcb2025", methods=["POST"])
@gateway_credentials
@accepts("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
@blp.alt_response(200, schema=HistoryResponseSchema, description="maKetQua and the history (always 200)")
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": GatewayRequestSchema},
    "application/x-www-form-urlencoded": {"schema": GatewayRequestSchema}}})
@blp.alt_response(401, description='{"maKetQua": "401"}: credentials missing, bad, expired, or from another address')
@blp.doc(security=[{"bearer": []}], parameters=GATEWAY_CREDENTIAL_PARAMETERS)
def visit_history():
    """The holder's visit history, after the card check's identity rules (maKetQua as the check)."""
    actor = current_actor()
    outcome = card_checks.check(db.hot_path_runner(), client_id=actor.subject, facility_code=actor.facility_code,
                                inp=card_checks.parse_gateway_body(gateway_body()),
                                keys_dir=current_app.config["CARD_KEYS_DIR"])
    body = {"maKetQua": outcome.result_code, "ghiChu": outcome.message, "dsLichSuKCB2025": None}
    if outcome.identity_matched and outcome.row is not None:
        session = db.session()
        person_id = outcome.row.person.id
        body["dsLichSuKCB2025"] = [history_item(*r) for r in visits.history(session, person_id, HISTORY_LIMIT)]
        record(session, actor.audit_ref, "visits.history_lookup", ("insured_person", person_id),
               {"facility_code": actor.facility_code, "check_id": outcome.check.id,
                "visits": len(body["dsLichSuKCB2025"])})
        session.commit()
    return jsonify(body)
