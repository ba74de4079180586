"""The card's vocabulary, in one place: states, decrease reasons, the gateway's result codes.

Every module that reads or writes a card status, a decrease reason or a result code imports it
from here (the clinic check, the revocation feed, enrollment, imports, the seed, the employer
schemas, the docs test). Adding a result code is one line in `ResultCode` plus its case in the
check; `tests/test_card_codes.py` fails when a code has no message or no clinic case.
"""
from __future__ import annotations

from enum import StrEnum


class CardStatus(StrEnum):
    """What an agency decided about a card (`cards.status`); `expired` is derived from `valid_to`."""

    ACTIVE = "active"
    REVOKED = "revoked"
    REPORTED_DECREASED = "reported_decreased"


# Shown in answers but never stored: a card past its valid_to.
EXPIRED = "expired"


class ResultCode(StrEnum):
    """`maKetQua` of the card check, verbatim from the official Annex 03 §4 (plus 130 and 401)."""

    OK = "000"
    MILITARY = "001"
    POLICE = "002"
    RENEWED_OLD_EXPIRED = "003"
    RENEWED_OLD_VALID = "004"
    EXPIRED = "010"
    NO_CARD = "050"
    BAD_CARD_NUMBER = "051"
    BAD_PROVINCE = "052"
    BAD_BENEFIT_LEVEL = "053"
    STAFF_UNKNOWN = "054"
    STAFF_NAME_MISMATCH = "055"
    WRONG_NAME = "060"
    WRONG_NAME_INITIALS = "061"
    WRONG_DOB = "070"
    REVOKED = "110"
    DECREASED = "120"
    DECREASED_OUT_OF_PROVINCE = "121"
    DECREASED_IN_PROVINCE = "122"
    DECREASED_REENROLLED = "123"
    DECREASED_STOPPED = "124"
    CHILD_WITHOUT_CARD = "130"
    BAD_FORMAT = "205"
    AUTH_FAILED = "401"

    @property
    def message(self) -> str:
        return MESSAGES[self]

    @property
    def usable(self) -> bool:
        return self in USABLE

    @property
    def identity_matched(self) -> bool:
        return self in IDENTITY_MATCHED


MESSAGES: dict[ResultCode, str] = {
    ResultCode.OK: "Thông tin thẻ BHYT chính xác",
    ResultCode.MILITARY: "Thẻ do BHXH Bộ Quốc phòng quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân",
    ResultCode.POLICE: "Thẻ do BHXH Bộ Công an quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân",
    ResultCode.RENEWED_OLD_EXPIRED: "Thẻ cũ hết giá trị sử dụng, được cấp thẻ mới",
    ResultCode.RENEWED_OLD_VALID: "Thẻ cũ còn giá trị sử dụng, được cấp thẻ mới",
    ResultCode.EXPIRED: "Thẻ hết giá trị sử dụng",
    ResultCode.NO_CARD: "Không có thông tin thẻ BHYT",
    ResultCode.BAD_CARD_NUMBER: "Mã thẻ BHYT không đúng",
    ResultCode.BAD_PROVINCE: "Mã tỉnh cấp thẻ (ký tự thứ 4,5) không đúng",
    ResultCode.BAD_BENEFIT_LEVEL: "Mã quyền lợi (ký tự thứ 3) không đúng",
    ResultCode.STAFF_UNKNOWN: "Số CCCD của cán bộ tra cứu không tồn tại trong danh sách người sử dụng do CSKCB đăng ký",
    ResultCode.STAFF_NAME_MISMATCH: "Họ và tên của cán bộ tra cứu không khớp với số CCCD",
    ResultCode.WRONG_NAME: "Thẻ sai họ tên",
    ResultCode.WRONG_NAME_INITIALS: "Thẻ sai họ tên (đúng ký tự đầu)",
    ResultCode.WRONG_DOB: "Thẻ sai ngày sinh",
    ResultCode.REVOKED: "Thẻ đã thu hồi",
    ResultCode.DECREASED: "Thẻ đã báo giảm",
    ResultCode.DECREASED_OUT_OF_PROVINCE: "Báo giảm chuyển ngoại tỉnh",
    ResultCode.DECREASED_IN_PROVINCE: "Báo giảm chuyển nội tỉnh",
    ResultCode.DECREASED_REENROLLED: "Báo giảm do tăng lại cùng đơn vị",
    ResultCode.DECREASED_STOPPED: "Báo giảm ngừng tham gia",
    ResultCode.CHILD_WITHOUT_CARD: "Trẻ em không xuất trình thẻ BHYT",
    ResultCode.BAD_FORMAT: "Lỗi sai định dạng tham số",
    ResultCode.AUTH_FAILED: "Lỗi xác thực tài khoản",
}

USABLE = frozenset({ResultCode.OK, ResultCode.MILITARY, ResultCode.POLICE,
                    ResultCode.RENEWED_OLD_EXPIRED, ResultCode.RENEWED_OLD_VALID})


class DecreaseReason(StrEnum):
    """Why an employer reported a card decreased (báo giảm); each has its own result code."""

    STOPPED = "stopped"
    TRANSFER_OUT_OF_PROVINCE = "transfer_out_of_province"
    TRANSFER_IN_PROVINCE = "transfer_in_province"
    REENROLLED_SAME_UNIT = "reenrolled_same_unit"

    @property
    def result_code(self) -> ResultCode:
        return _DECREASE_CODES[self]


_DECREASE_CODES = {
    DecreaseReason.STOPPED: ResultCode.DECREASED_STOPPED,
    DecreaseReason.TRANSFER_OUT_OF_PROVINCE: ResultCode.DECREASED_OUT_OF_PROVINCE,
    DecreaseReason.TRANSFER_IN_PROVINCE: ResultCode.DECREASED_IN_PROVINCE,
    DecreaseReason.REENROLLED_SAME_UNIT: ResultCode.DECREASED_REENROLLED,
}

# The holder's identity matched: only then does an answer carry the card.
IDENTITY_MATCHED = USABLE | {ResultCode.EXPIRED, ResultCode.REVOKED, ResultCode.DECREASED,
                             *_DECREASE_CODES.values()}

# Cards managed by the defence and police funds answer 001/002 instead of 000 (by object code).
FUND_CODES = {"QN": ResultCode.MILITARY, "CY": ResultCode.MILITARY, "CA": ResultCode.POLICE}


# Plain values for decided_code, which runs on every card check (an enum member's attribute
# access costs more than the comparison).
_REVOKED, _DECREASED = CardStatus.REVOKED.value, CardStatus.REPORTED_DECREASED.value
_CODE_BY_REASON: dict[str | None, ResultCode] = {reason.value: code for reason, code in _DECREASE_CODES.items()}


def decided_code(status: str, reason: str | None) -> ResultCode | None:
    """The result code an agency's decision gives a card, or None for an active card.

    A revoked card is 110; a decreased card answers its reason's code, and 120 when the reason
    is missing or not one of ours (an import may carry none).
    """
    if status == _REVOKED:
        return ResultCode.REVOKED
    if status == _DECREASED:
        return _CODE_BY_REASON.get(reason, ResultCode.DECREASED)
    return None
