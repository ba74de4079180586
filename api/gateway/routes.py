"""POST /api/egw/KQNhanLichSuKCB2024: the national gateway's card check, field for field
(reference/domain.md §3.3), so a hospital system switches over by changing its base URL.

Same decisions as /clinic/card-checks (services/card_checks.py); the clinic's Bearer token instead
of the gateway's query-string token; a missing or bad token is a 401 problem document.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, jsonify, request
from marshmallow import Schema, fields

import clock
import db
from api.smorest import Blueprint, accepts
from auth.roles import CLINIC, current_actor
from card_codes import MESSAGES
from services import card_checks
from services.birth_dates import BirthDate, of_record
from services.card_rows import CardRow, card_view

blp = Blueprint("gateway", __name__, url_prefix="/api/egw",
                description="National-gateway-compatible card check (KQNhanLichSuKCB2024)")
GENDERS = {"male": "Nam", "female": "Nữ"}
VN = timedelta(hours=7)


class GatewayRequestSchema(Schema):
    maThe = fields.String(required=True, metadata={"description": "card number, BHXH code or CCCD"})
    hoTen = fields.String(required=True)
    ngaySinh = fields.String(required=True, metadata={
        "description": "dd/mm/yyyy, mm/yyyy, yyyy or ddmmyyyy (a partial date when the full one is unknown)"})
    hoTenCb = fields.String(required=True, metadata={"description": "the checking staff member's name"})
    cccdCb = fields.String(required=True, metadata={"description": "the checking staff member's CCCD"})


class CheckEventSchema(Schema):
    userKT = fields.String()
    thoiGianKT = fields.String(metadata={"description": "yyyyMMddHHmm, Vietnam time"})
    thongBao = fields.String()
    maLoi = fields.String()


class GatewayResponseSchema(Schema):
    maKetQua = fields.String()
    ghiChu = fields.String()
    maThe = fields.String(allow_none=True)
    hoTen = fields.String(allow_none=True)
    ngaySinh = fields.String(allow_none=True, metadata={"description": "dd/mm/yyyy, mm/yyyy or yyyy as held"})
    gioiTinh = fields.String(allow_none=True)
    diaChi = fields.String(allow_none=True)
    maDKBD = fields.String(allow_none=True)
    cqBHXH = fields.String(allow_none=True)
    gtTheTu = fields.String(allow_none=True)
    gtTheDen = fields.String(allow_none=True)
    maKV = fields.String(allow_none=True)
    ngayDu5Nam = fields.String(allow_none=True)
    maSoBHXH = fields.String(allow_none=True)
    maTheCu = fields.String(allow_none=True)
    maTheMoi = fields.String(allow_none=True)
    gtTheTuMoi = fields.String(allow_none=True)
    gtTheDenMoi = fields.String(allow_none=True)
    maDKBDMoi = fields.String(allow_none=True)
    tenDKBDMoi = fields.String(allow_none=True)
    dsLichSuKCB2018 = fields.List(fields.Dict(), allow_none=True, metadata={"description": "always null"})
    dsLichSuKT2018 = fields.List(fields.Nested(CheckEventSchema), allow_none=True)


def dmy(value: date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


def _dmy_iso(value: str | None) -> str | None:
    """`2026-06-15` (a card view's date) -> `15/06/2026`."""
    return f"{value[8:10]}/{value[5:7]}/{value[:4]}" if value else None


def _stamp(at: datetime) -> str:
    return (at + VN).strftime("%Y%m%d%H%M")


def _note(code: str, message: str, row: CardRow | None) -> str:
    if row is None:
        return message
    card, person = row.card, row.person
    five = f"; Thời điểm đủ 5 năm liên tục: {dmy(card.five_year_date)}" if card.five_year_date else ""
    return (f"{message}! Họ tên : {person.full_name}, Ngày sinh: {of_record(person).gateway()}, "
            f"Giới tính : {GENDERS.get(person.gender, person.gender)}! (ĐC: {person.address or ''}; "
            f"Nơi KCBBĐ: {card.facility_code}; Hạn thẻ: {dmy(card.valid_from)} - {dmy(card.valid_to)}{five}).")


def answer(outcome: card_checks.CheckOutcome) -> dict:
    row = outcome.row if outcome.identity_matched else None
    new = outcome.renewed if row else None
    body = {name: None for name in GatewayResponseSchema().fields}
    body.update(maKetQua=outcome.result_code, ghiChu=_note(outcome.result_code, outcome.message, row))
    if row is not None:
        view = card_view(row, clock.today())  # the card as every endpoint shows it, in the gateway's names
        body.update(
            maThe=view["card_number"], hoTen=view["full_name"],
            ngaySinh=BirthDate.parse_iso(view["date_of_birth"]).gateway(),
            gioiTinh=GENDERS.get(view["gender"]), diaChi=row.person.address,
            maDKBD=view["primary_care_facility"]["code"], cqBHXH=view["issuing_agency"],
            gtTheTu=_dmy_iso(view["valid_from"]), gtTheDen=_dmy_iso(view["valid_to"]), maKV=view["area_code"],
            ngayDu5Nam=_dmy_iso(view["five_year_date"]), maSoBHXH=view["bhxh_code"],
        )
        body["dsLichSuKT2018"] = [
            {"userKT": f"{c.facility_code}_BV", "thoiGianKT": _stamp(c.checked_at),
             "thongBao": MESSAGES.get(c.result_code, ""), "maLoi": c.result_code}
            for c in card_checks.recent_checks_of_card(db.session(), row.card.id)
        ]
    if new is not None:
        renewed = card_view(new, clock.today())
        body.update(maTheCu=row.card.card_number, maTheMoi=renewed["card_number"],
                    gtTheTuMoi=_dmy_iso(renewed["valid_from"]), gtTheDenMoi=_dmy_iso(renewed["valid_to"]),
                    maDKBDMoi=renewed["primary_care_facility"]["code"],
                    tenDKBDMoi=renewed["primary_care_facility"]["name"])
    return body


@blp.route("/KQNhanLichSuKCB2024", methods=["POST"])
@blp.roles_required(CLINIC)
@accepts("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": GatewayRequestSchema},
    "application/x-www-form-urlencoded": {"schema": GatewayRequestSchema}}})
@blp.alt_response(200, schema=GatewayResponseSchema, description="maKetQua and the card (always 200)")
def check_card():
    """The national gateway's card check: JSON or form; `ngaySinh` dd/mm/yyyy, mm/yyyy, yyyy or ddmmyyyy.

    Decisions as POST /api/v1/clinic/card-checks; ill-formed input is maKetQua 205 (HTTP 200).
    Authentication is the clinic's Bearer token (401 problem document without it)."""
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
    else:
        body = request.form.to_dict()
    actor = current_actor()
    inp = card_checks.parse_gateway_body(body)
    outcome = card_checks.check(db.hot_path_runner(), client_id=actor.subject, facility_code=actor.facility_code,
                                inp=inp, keys_dir=current_app.config["CARD_KEYS_DIR"])
    return jsonify(answer(outcome))


def register(api) -> None:
    api.register_blueprint(blp)
