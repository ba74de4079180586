"""card_codes.py is the card's whole vocabulary: every result code has its message and a clinic case."""
import pytest

from api.employer.schemas import TerminationRowSchema
from card_codes import (
    FUND_CODES,
    IDENTITY_MATCHED,
    MESSAGES,
    USABLE,
    CardStatus,
    DecreaseReason,
    ResultCode,
    decided_code,
)
from models import Card, CardCheck
from services import terminations
from services.card_check_reads import StoredCheck
from services.card_rows import CARD_COLS, CardValues, new_card_values
from services.identifiers import OBJECT_CODES
from tests.api.clinic.cases import CASES

# Codes that no decision reaches yet; each names the work that will give it a case in
# tests/api/clinic/cases.py (then it leaves this table).
PENDING = {
    ResultCode.AUTH_FAILED: "401: today a bad token is an HTTP 401 problem document, not a maKetQua",
}


def test_every_code_has_a_message():
    assert set(MESSAGES) == set(ResultCode)
    assert all(MESSAGES[code].strip() for code in ResultCode)


@pytest.mark.parametrize("code", list(ResultCode), ids=[c.value for c in ResultCode])
def test_every_code_has_a_clinic_case(code):
    """The clinic and gateway table tests run every case; a code without one was never checked."""
    cased = {case.code for case in CASES}
    if code in PENDING:
        assert code.value not in cased, f"{code.value} has a case now: remove it from PENDING"
        pytest.skip(PENDING[code])
    assert code.value in cased, f"no case in tests/api/clinic/cases.py answers {code.value} ({code.message})"


def test_the_cases_agree_with_the_sets():
    for case in CASES:
        code = ResultCode(case.code)
        assert code.usable is case.usable, case.code
        assert (code in IDENTITY_MATCHED) is case.card, case.code


def test_sets():
    assert USABLE <= IDENTITY_MATCHED
    assert set(FUND_CODES) <= OBJECT_CODES and set(FUND_CODES.values()) <= USABLE


@pytest.mark.parametrize("status,reason,code", [
    ("active", None, None),
    ("revoked", "lost", "110"),
    ("reported_decreased", None, "120"),  # an import may carry no reason
    ("reported_decreased", "fired", "120"),
    ("reported_decreased", "stopped", "124"),
    ("reported_decreased", "transfer_out_of_province", "121"),
    ("reported_decreased", "transfer_in_province", "122"),
    ("reported_decreased", "reenrolled_same_unit", "123"),
])
def test_decided_code(status, reason, code):
    assert decided_code(status, reason) == code


def test_each_reason_has_its_own_code():
    codes = [reason.result_code for reason in DecreaseReason]
    assert len(set(codes)) == len(codes) and all(c in IDENTITY_MATCHED for c in codes)


def test_employer_reasons_come_from_the_vocabulary():
    choices = TerminationRowSchema().fields["reason"].validate.choices
    assert list(choices) == list(terminations.REASONS)
    assert set(choices) == set(DecreaseReason) - {DecreaseReason.REENROLLED_SAME_UNIT}


def test_card_rows_are_the_table():
    assert [c.key for c in CARD_COLS] == list(CardValues._fields)
    assert list(StoredCheck._fields) == list(CardCheck.__table__.c.keys())  # every column of the check is stored
    given = dict(id="c", card_number="DN4010123456789", person_id=1, object_code="DN", benefit_level=4,
                 province_code="01", facility_code="01001", valid_from=None, valid_to=None, issuing_agency="BHXH",
                 now="now")
    assert new_card_values(**given)["status_changed_at"] is None
    values = new_card_values(**given, status="revoked")
    assert set(values) == set(Card.__table__.c.keys())
    assert values["status"] == CardStatus.REVOKED and type(values["status"]) is str
    assert values["status_changed_at"] == "now"
    with pytest.raises(ValueError):
        new_card_values(**given, status="lost")
