"""Pure rules of the enrollment services: provinces, codes, request hashes, months."""
from __future__ import annotations

from datetime import date

import pytest

from errors import AppError
from services import bhxh_codes, idempotency, provinces
from services.enrollment import month_str, parse_month
from services.terminations import last_day
from tests import factories


def test_issuing_agency_names():
    after, before = date(2026, 1, 1), date(2025, 6, 30)
    assert provinces.issuing_agency("01", after) == "BHXH thành phố Hà Nội"
    assert provinces.issuing_agency("24", after) == "BHXH tỉnh Bắc Ninh"
    assert provinces.issuing_agency("24", before) == "BHXH tỉnh Bắc Giang"
    assert provinces.issuing_agency("79", after) == "BHXH Thành phố Hồ Chí Minh"
    assert provinces.issuing_agency("46", after) == "BHXH thành phố Huế"
    assert provinces.issuing_agency("02", after) == "BHXH tỉnh Hà Giang"  # retired code keeps its name
    assert provinces.issuing_agency("97", after) == "BHXH Bộ Quốc phòng"
    from services.identifiers import NEW_PROVINCES, OLD_PROVINCES

    assert set(provinces.OLD_NAMES) == OLD_PROVINCES and set(provinces.NEW_NAMES) == NEW_PROVINCES


def test_generated_codes_are_unique_prefixed_and_avoid_existing(session, monkeypatch):
    codes = bhxh_codes.generate(session, 500, "79")
    assert len(set(codes)) == 500 and all(len(c) == 10 and c.isdigit() and c.startswith("79") for c in codes)
    # With the space narrowed to a few codes, the existing ones are skipped.
    factories.person(session, "7900000001")
    pool = iter(["7900000001", "7900000001", "7900000002", "7900000003"])
    monkeypatch.setattr(bhxh_codes, "_candidate", lambda prefix: next(pool))
    assert sorted(bhxh_codes.generate(session, 2, "79")) == ["7900000002", "7900000003"]


def test_request_hash_is_over_parsed_rows():
    a = [{"cccd": "001095012345", "salary": 1, "full_name": "Nguyễn Văn An"}]
    b = [{"full_name": " Nguye\u0302\u0303n Văn An ", "salary": 1, "cccd": "001095012345", "phone": ""}]
    assert idempotency.request_hash("enrollment", a) == idempotency.request_hash("enrollment", b)
    assert idempotency.request_hash("enrollment", a) != idempotency.request_hash("termination", a)
    assert idempotency.request_hash("enrollment", a) != idempotency.request_hash("enrollment", [{**a[0], "salary": 2}])


def test_key_rules():
    assert idempotency.check_key(" abc-123 ") == "abc-123"
    for bad, code in ((None, "idempotency_key_required"), ("  ", "idempotency_key_required"),
                      ("a b", "idempotency_key_invalid"), ("x" * 256, "idempotency_key_invalid"),
                      ("khóa", "idempotency_key_invalid")):
        with pytest.raises(AppError) as err:
            idempotency.check_key(bad)
        assert err.value.code == code


def test_months():
    today = date(2026, 11, 25)
    errors: dict = {}
    assert parse_month("2025-11", errors, "m", today) == date(2025, 11, 1)
    assert parse_month("2027-02", errors, "m", today) == date(2027, 2, 1) and not errors
    assert parse_month("2025-10", errors, "m", today) is None and "2025-11" in errors["m"][0]
    assert parse_month("2027-03", errors, "m", today) is None and "2027-02" in errors["m"][0]
    assert month_str(date(2026, 1, 1)) == "2026-01"
    assert last_day(date(2028, 2, 1)) == date(2028, 2, 29)
