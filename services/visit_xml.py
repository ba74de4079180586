"""The gateway's visit file: `fileHSBase64` = base64 of a GIAMDINHHS envelope whose HOSO entries
carry each visit's XML files, every one base64 in NOIDUNGFILE; the XML1 file (root TONG_HOP) is the
visit summary this service keeps (the other tables of QĐ 4750 are passed over).

    <GIAMDINHHS>
      <THONGTINDONVI><MACSKCB>01001</MACSKCB></THONGTINDONVI>
      <THONGTINHOSO><NGAYLAP>yyyymmdd</NGAYLAP><SOLUONGHOSO>n</SOLUONGHOSO>
        <DANHSACHHOSO><HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>…</NOIDUNGFILE></FILEHOSO>…</HOSO>…
      </THONGTINHOSO><CHUKYDONVI/>
    </GIAMDINHHS>

Hostile input is refused before it can cost anything: sizes are checked on the encoded text before
decoding, and every document goes through defusedxml with DTDs forbidden (no entity of any kind,
so neither external entities nor entity expansion can happen).
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import ParseError, fromstring  # type: ignore[import-untyped]

from services.visit_validation import FIELDS

MAX_FILE_BYTES = 8 * 1024 * 1024  # the decoded envelope (the HTTP body limit is 8 MiB too)
MAX_VISIT_BYTES = 512 * 1024  # one decoded XML1 file
_B64 = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")
_SPACE = re.compile(rb"\s+")


class XmlRefused(Exception):
    """The file cannot be read as a visit file; `rule` is a stable code (docs/visits.md)."""

    def __init__(self, rule: str, message: str, where: str = "fileHSBase64"):
        super().__init__(message)
        self.rule, self.message, self.where = rule, message, where


@dataclass
class Envelope:
    facility_code: str | None
    created_on: str | None  # NGAYLAP
    declared: int | None  # SOLUONGHOSO
    visits: list[dict]


def decode_base64(text: str | bytes, limit: int, where: str) -> bytes:
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if len(raw) > limit * 4 // 3 + 4 * 1024:  # refused on the encoded length, before decoding
        raise XmlRefused("too_large", f"{where} is over {limit // 1024} KiB once decoded.", where)
    compact = _SPACE.sub(b"", raw)  # HIS exports wrap base64 at 76 characters
    if not compact or len(compact) % 4 or not _B64.match(compact):
        raise XmlRefused("bad_base64", f"{where} is not base64.", where)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise XmlRefused("bad_base64", f"{where} is not base64.", where) from None
    if len(data) > limit:
        raise XmlRefused("too_large", f"{where} is over {limit // 1024} KiB once decoded.", where)
    return data


def parse_xml(data: bytes, where: str):
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XmlRefused("xml_forbidden", f"{where}: DTDs and entities are not allowed.", where) from None
    except (ParseError, ValueError, UnicodeDecodeError):
        raise XmlRefused("xml_malformed", f"{where} is not well-formed XML.", where) from None


def _text(node, path: str) -> str | None:
    found = node.find(path)
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


def _visit(node, where: str) -> dict:
    """The XML1 fields of one visit: TONG_HOP's children (namespaces and unknown tags dropped)."""
    root = node if _local(node.tag) == "TONG_HOP" else next(
        (el for el in node.iter() if _local(el.tag) == "TONG_HOP"), None)
    if root is None:
        raise XmlRefused("xml1_invalid", f"{where}: no TONG_HOP element.", where)
    visit = {}
    for child in root:
        name = _local(child.tag).upper()
        if name in FIELDS:
            visit[name] = (child.text or "").strip()
    return visit


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_envelope(file_b64: str) -> Envelope:
    """The visits of a GIAMDINHHS file, in file order; XmlRefused when it cannot be read."""
    root = parse_xml(decode_base64(file_b64, MAX_FILE_BYTES, "fileHSBase64"), "GIAMDINHHS")
    if _local(root.tag) != "GIAMDINHHS":
        raise XmlRefused("envelope_invalid", "The root element must be GIAMDINHHS.")
    declared = _text(root, "THONGTINHOSO/SOLUONGHOSO")
    visits = []
    for number, hoso in enumerate(root.findall("THONGTINHOSO/DANHSACHHOSO/HOSO"), start=1):
        where = f"HOSO[{number}]"
        xml1 = [f for f in hoso.findall("FILEHOSO") if (_text(f, "LOAIHOSO") or "").upper() == "XML1"]
        if len(xml1) != 1:
            raise XmlRefused("xml1_missing", f"{where} must hold exactly one XML1 file.", where)
        content = _text(xml1[0], "NOIDUNGFILE")
        if content is None:
            raise XmlRefused("xml1_missing", f"{where}: NOIDUNGFILE is empty.", where)
        visits.append(_visit(parse_xml(decode_base64(content, MAX_VISIT_BYTES, where), where), where))
    if declared is not None and (not declared.isdigit() or int(declared) != len(visits)):
        raise XmlRefused("count_mismatch", f"SOLUONGHOSO says {declared}, the file holds {len(visits)}.",
                         "SOLUONGHOSO")
    return Envelope(_text(root, "THONGTINDONVI/MACSKCB"), _text(root, "THONGTINHOSO/NGAYLAP"),
                    int(declared) if declared and declared.isdigit() else None, visits)
