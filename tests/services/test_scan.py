"""services/scan.py: the three scanned kinds, real QR round trips, and what is refused (205)."""
import pytest

from services.birth_dates import BirthDate
from services.scan import ScanKind, parse_clinic_request, read_scan
from tests.api.clinic.scan_strings import cccd_qr, legacy_qr, through_a_camera

STAFF = {"staff_cccd": "001095012345", "staff_name": "Lê Văn Cường"}


@pytest.mark.parametrize("camera", [False, True], ids=["typed", "qr_round_trip"])
def test_chip_cccd_qr(camera):
    text = cccd_qr("001095000001", "Nguyễn Văn An", "05031995", cmnd="012345678")
    got = read_scan(through_a_camera(text) if camera else text)
    assert got.kind == ScanKind.CCCD_QR
    assert (got.identifier, got.full_name, got.birth_date) == ("001095000001", "Nguyễn Văn An", BirthDate(1995, 3, 5))


@pytest.mark.parametrize("dob, expected", [("031995", BirthDate(1995, 3)), ("1995", BirthDate(1995))])
def test_chip_cccd_qr_partial_birth_dates(dob, expected):
    assert read_scan(cccd_qr("001095000001", "Nguyễn Văn An", dob)).birth_date == expected


@pytest.mark.parametrize("camera", [False, True], ids=["typed", "qr_round_trip"])
@pytest.mark.parametrize("dob", ["05/03/1995", "05031995"])
def test_legacy_card_qr(camera, dob):
    text = legacy_qr("DN4010123456789", "Nguyễn Văn An", dob)
    got = read_scan(through_a_camera(text) if camera else text)
    assert got.kind == ScanKind.LEGACY_CARD_QR
    expected = ("DN4010123456789", "Nguyễn Văn An", BirthDate(1995, 3, 5))
    assert (got.identifier, got.full_name, got.birth_date) == expected


def test_the_domain_reference_example():
    text = ("DN4790123456789|4e677579e1bb856e2056c4836e2041|01/01/1990|1|…|79 - 011|01/01/2022|31/12/2022|"
            "01/01/2020||-|4| 01/01/2025||$")
    got = read_scan(text)
    assert (got.identifier, got.full_name, got.birth_date) == ("DN4790123456789", "Nguyễn Văn A", BirthDate(1990, 1, 1))


def test_signed_qr_and_scanner_line_endings():
    assert read_scan("eyJhbGciOiJFZERTQSJ9.eyJjaWQiOiJ4In0.c2ln\r\n") .kind == ScanKind.SIGNED_QR
    assert read_scan("\t" + cccd_qr("001095000001", "An", "1995") + "\r").kind == ScanKind.CCCD_QR


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "DN4010123456789",
    cccd_qr("00109500000", "An", "05031995"),  # 11 digits
    cccd_qr("001095000001", "", "05031995"),  # no name
    cccd_qr("001095000001", "An", "31021995"),  # no such day
    cccd_qr("001095000001", "An", "5031995"),  # 7 digits
    cccd_qr("001095000001", "An", "05031995", cmnd="12ab"),
    cccd_qr("001095000001", "An", "05031995") + "|extra",  # 8 fields
    legacy_qr("DN401012345678", "An", "05/03/1995"),  # 14 characters
    legacy_qr("DN4010123456789", "An", "1995-03-05"),
    "DN4010123456789|Nguyen Van An|05/03/1995|1$",  # name not hex
    "DN4010123456789|ff|05/03/1995|1$",  # hex, not UTF-8
    "DN4010123456789$", "a.b", "a..c", "x" * 5000,
], ids=lambda t: repr(t[:30]))
def test_anything_else_is_not_a_scan(text):
    assert read_scan(text) is None


@pytest.mark.parametrize("value", [None, 12, ["x"], {"a": 1}])
def test_non_text_is_not_a_scan(value):
    assert read_scan(value) is None


def test_the_clinic_body_with_a_scan():
    inp = parse_clinic_request({"scan": cccd_qr("001095000001", "An", "05031995"), **STAFF})
    assert (inp.identifier, inp.scan_kind, inp.invalid) == ("001095000001", "cccd_qr", [])
    bad = parse_clinic_request({"scan": "nope", **STAFF, "identifier": "x"})
    assert bad.invalid == ["scan", "identifier"] and bad.scan_kind is None
    assert parse_clinic_request({"scan": "a.b.c", "staff_cccd": "1", "staff_name": ""}).invalid == [
        "staff_cccd", "staff_name"]
