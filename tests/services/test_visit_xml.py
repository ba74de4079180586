"""Hostile visit files are refused before they cost anything: XXE, entity expansion, huge files,
bad base64, malformed XML; a real-shaped GIAMDINHHS file is read."""
from __future__ import annotations

import base64
import time

import pytest

from services.visit_xml import MAX_FILE_BYTES, XmlRefused, decode_base64, read_envelope
from tests.api.visits.helpers import envelope, tong_hop, visit

XXE = b"""<?xml version="1.0"?><!DOCTYPE TONG_HOP [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TONG_HOP><MA_LK>&xxe;</MA_LK></TONG_HOP>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">""" + b"".join(
    f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
    for i in range(1, 10)) + b"""]><TONG_HOP><MA_LK>&lol9;</MA_LK></TONG_HOP>"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def refused(file_b64: str) -> XmlRefused:
    with pytest.raises(XmlRefused) as caught:
        read_envelope(file_b64)
    return caught.value


def test_a_his_file_is_read_with_line_wrapped_base64_and_extra_tables():
    found = read_envelope(envelope([visit("LK1"), visit("LK2")], wrap=True))
    assert found.facility_code == "01001" and found.declared == 2 and found.created_on == "20260615"
    assert [v["MA_LK"] for v in found.visits] == ["LK1", "LK2"]
    assert "NAM_QT" not in found.visits[0] and found.visits[0]["T_BHTT"] == "240000.00"


@pytest.mark.parametrize("inner", [XXE, LAUGHS], ids=["xxe", "billion_laughs"])
def test_entities_are_refused_inside_the_xml1_file(inner):
    started = time.perf_counter()
    assert refused(envelope([], xml1=[inner])).rule == "xml_forbidden"
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("doc", [XXE.replace(b"TONG_HOP", b"GIAMDINHHS"), LAUGHS.replace(b"TONG_HOP", b"GIAMDINHHS")],
                         ids=["xxe", "billion_laughs"])
def test_entities_are_refused_in_the_envelope(doc):
    assert refused(b64(doc)).rule == "xml_forbidden"


def test_a_100_mb_file_is_refused_before_it_is_decoded(monkeypatch):
    import services.visit_xml as vx

    def never(*_a, **_k):
        raise AssertionError("decoded")

    monkeypatch.setattr(vx.base64, "b64decode", never)
    huge = "A" * (100 * 1024 * 1024)
    started = time.perf_counter()
    assert refused(huge).rule == "too_large"
    assert time.perf_counter() - started < 0.5
    with pytest.raises(XmlRefused):
        decode_base64("A" * (MAX_FILE_BYTES * 2), MAX_FILE_BYTES, "x")


@pytest.mark.parametrize("text", ["not base64!", "QUJD=A==", "QUJ", "", "////" * 3 + "\u00e9"])
def test_bad_base64_is_refused(text):
    assert refused(text).rule == "bad_base64"


def test_bad_base64_inside_is_named_by_its_hoso():
    doc = envelope([visit()]).encode()
    inner = ('<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO>'
             '<NOIDUNGFILE>@@@</NOIDUNGFILE></FILEHOSO></HOSO></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>')
    assert doc and refused(b64(inner.encode())).where == "HOSO[1]"


@pytest.mark.parametrize("doc,rule", [
    (b"<GIAMDINHHS><unclosed></GIAMDINHHS>", "xml_malformed"),
    (b"<OTHER/>", "envelope_invalid"),
    (b"<GIAMDINHHS><THONGTINHOSO><DANHSACHHOSO><HOSO/></DANHSACHHOSO></THONGTINHOSO></GIAMDINHHS>", "xml1_missing"),
])
def test_envelope_shape(doc, rule):
    assert refused(b64(doc)).rule == rule


def test_count_and_xml1_root():
    assert refused(envelope([visit()], count=2)).rule == "count_mismatch"
    assert refused(envelope([], xml1=[b"<OTHER><MA_LK>1</MA_LK></OTHER>"])).rule == "xml1_invalid"
    assert read_envelope(envelope([], xml1=[tong_hop(visit())])).visits[0]["MA_LK"] == "LK0001"
