"""The one validator: every rule named by (visit, field, rule), all visits checked."""
from __future__ import annotations

import pytest

from services.visit_validation import validate_file
from tests.api.visits.helpers import visit


def rules(visits, strict=True) -> set[tuple[int, str, str]]:
    _rows, errors = validate_file(visits, "01001", strict)
    return {(e.index, e.field, e.rule) for e in errors}


def test_a_good_visit_passes_and_is_normalised():
    rows, errors = validate_file([visit(MA_BENH_CHINH="j069", MA_BENH_KT="I10;E119", MA_LOAI_KCB="1")], "01001")
    assert errors == []
    assert rows[0]["main_icd"] == "J06.9" and rows[0]["other_icd"] == "I10;E11.9" and rows[0]["visit_type"] == "01"
    assert rows[0]["admitted_at"].isoformat() == "2026-06-01T01:30:00+00:00"  # 08:30 Vietnam time


@pytest.mark.parametrize("change,field,rule", [
    ({"MA_LK": ""}, "MA_LK", "required"),
    ({"HO_TEN": None}, "HO_TEN", "required"),
    ({"NGAY_VAO": "2026-06-01"}, "NGAY_VAO", "format"),
    ({"NGAY_VAO": "202602300830"}, "NGAY_VAO", "invalid_date"),
    ({"NGAY_RA": "202605311000"}, "NGAY_RA", "before_ngay_vao"),
    ({"NGAY_SINH": "19951305"}, "NGAY_SINH", "format"),
    ({"GIOI_TINH": "4"}, "GIOI_TINH", "not_allowed"),
    ({"KET_QUA_DTRI": "9"}, "KET_QUA_DTRI", "not_allowed"),
    ({"MA_LOAI_RV": "0"}, "MA_LOAI_RV", "not_allowed"),
    ({"MA_LOAI_KCB": "11"}, "MA_LOAI_KCB", "not_allowed"),
    ({"MA_THE_BHYT": "DN40101234"}, "MA_THE_BHYT", "card_number_format"),
    ({"GT_THE_TU": "2026-01-01"}, "GT_THE_TU", "format"),
    ({"MA_BENH_CHINH": "J06.99"}, "MA_BENH_CHINH", "icd10_unknown"),
    ({"MA_BENH_CHINH": "J00-J06"}, "MA_BENH_CHINH", "icd10_unknown"),  # a block, not a diagnosis
    ({"MA_BENH_KT": "I10;QQ1"}, "MA_BENH_KT", "icd10_unknown"),
    ({"MA_BENH_KT": ";".join(["I10"] * 13)}, "MA_BENH_KT", "too_many"),
    ({"T_BHTT": "240000.01"}, "T_BHTT", "t_bhtt_mismatch"),
    ({"T_BNCCT": "abc"}, "T_BNCCT", "not_a_number"),
    ({"T_BNTT": "-1"}, "T_BNTT", "out_of_range"),
    ({"T_TONGCHI_BV": "1.001"}, "T_TONGCHI_BV", "too_many_decimals"),
    ({"MA_CSKCB": "79001"}, "MA_CSKCB", "facility_mismatch"),
    ({"MA_CSKCB": "7900"}, "MA_CSKCB", "format"),
    ({"SO_CCCD": "12345"}, "SO_CCCD", "format"),
    ({"HO_TEN": "x" * 256}, "HO_TEN", "too_long"),
    ({"HO_TEN": ["a"]}, "HO_TEN", "type"),
    ({"EXTRA": "1"}, "EXTRA", "unknown_field"),
])
def test_each_rule_is_named(change, field, rule):
    assert (0, field, rule) in rules([visit(**change)])


def test_every_error_of_every_visit_is_reported():
    found = rules([visit("A", NGAY_RA="202605010000", T_BHTT="1"), visit("B"), visit("C", MA_BENH_CHINH="ZZZ")])
    assert found == {(0, "NGAY_RA", "before_ngay_vao"), (0, "T_BHTT", "t_bhtt_mismatch"),
                     (2, "MA_BENH_CHINH", "icd10_unknown")}


def test_json_numbers_are_taken_and_a_duplicate_ma_lk_refused():
    v = visit(T_TONGCHI_BV=350000, T_TONGCHI_BH=300000, T_BNTT=50000, T_BNCCT=60000, T_BHTT=240000, GIOI_TINH=1)
    assert rules([v]) == set()
    assert rules([visit("A"), visit("A")]) == {(1, "MA_LK", "duplicate_in_file")}
    assert rules([visit(T_BNCCT=True)]) >= {(0, "T_BNCCT", "not_a_number")}


def test_unknown_fields_pass_over_in_xml_mode_and_empty_files_are_refused():
    assert rules([visit(NAM_QT="2026")], strict=False) == set()
    assert rules([]) == {(0, "visits", "required")}
    assert rules("nope") == {(0, "visits", "required")}
    assert rules([1]) == {(0, "_visit", "type")}
