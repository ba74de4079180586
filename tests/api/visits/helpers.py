"""Visits as clinics send them: XML1 fields as a hospital system fills them, and the GIAMDINHHS
envelope built the way tracnn/qlbv_public (BHYTXmlSubmitService) and the C# clients build it."""
from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from tests import factories as f

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
STAFF = ("001095012345", "Lê Văn Cường")
HOLDER = {"full_name": "Nguyễn Văn An", "date_of_birth": date(1995, 3, 5), "gender": "male"}
CARD = "DN4010123456789"


def visit(ma_lk: str = "LK0001", **changes) -> dict:
    """One outpatient visit at 01001 by the factories' default person, valid in June 2026."""
    base = {
        "MA_LK": ma_lk, "STT": "1", "MA_BN": "BN000123", "HO_TEN": "Nguyễn Văn An", "SO_CCCD": "001095012345",
        "NGAY_SINH": "199503050000", "GIOI_TINH": "1", "MA_THE_BHYT": CARD, "MA_DKBD": "01001",
        "GT_THE_TU": "20260101", "GT_THE_DEN": "20261231", "MA_BENH_CHINH": "J06.9", "MA_BENH_KT": "I10",
        "CHAN_DOAN_RV": "Viêm đường hô hấp trên cấp", "MA_DOITUONG_KCB": "1.1", "MA_LOAI_KCB": "01",
        "NGAY_VAO": "202606010830", "NGAY_RA": "202606010945", "KET_QUA_DTRI": "1", "MA_LOAI_RV": "1",
        "T_TONGCHI_BV": "350000.00", "T_TONGCHI_BH": "300000.00", "T_BNTT": "50000.00", "T_BNCCT": "60000.00",
        "T_BHTT": "240000.00", "MA_CSKCB": "01001",
    }
    base.update(changes)
    return base


def holder_with_card(session, five_year_date: date | None = date(2020, 1, 1), **card):
    person = f.person(session)
    c = f.card(session, person, **card)
    c.five_year_date = five_year_date
    session.commit()
    return person, c


def tong_hop(fields: dict) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    # QĐ 4750 XML1 carries some 65 fields; the ones this service does not keep are passed over.
    extra = "<MA_QUOCTICH>000</MA_QUOCTICH><MA_DANTOC>01</MA_DANTOC><NAM_QT>2026</NAM_QT>"
    return f'<?xml version="1.0" encoding="utf-8"?><TONG_HOP>{inner}{extra}</TONG_HOP>'.encode()


def envelope(visits: list[dict], facility: str = "01001", count: int | None = None, xml1: list[bytes] | None = None,
             wrap: bool = False) -> str:
    """fileHSBase64: base64 of GIAMDINHHS, each HOSO's XML1 base64 in NOIDUNGFILE."""
    files = xml1 if xml1 is not None else [tong_hop(v) for v in visits]
    hoso = "".join(
        "<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>"
        f"{_b64(x, wrap)}</NOIDUNGFILE></FILEHOSO><FILEHOSO><LOAIHOSO>XML2</LOAIHOSO>"
        "<NOIDUNGFILE>PENISVRJRVVfVEhVT0MvPg==</NOIDUNGFILE></FILEHOSO></HOSO>" for x in files)
    doc = ('<?xml version="1.0" encoding="utf-8"?><GIAMDINHHS xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><THONGTINDONVI>'
           f"<MACSKCB>{facility}</MACSKCB></THONGTINDONVI><THONGTINHOSO><NGAYLAP>20260615</NGAYLAP>"
           f"<SOLUONGHOSO>{len(files) if count is None else count}</SOLUONGHOSO><DANHSACHHOSO>{hoso}"
           "</DANHSACHHOSO></THONGTINHOSO><CHUKYDONVI/></GIAMDINHHS>")
    return _b64(doc.encode(), wrap)


def _b64(data: bytes, wrap: bool) -> str:
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76)) if wrap else text


def form(file_b64: str, facility: str = "01001") -> dict:
    """The form BHYTXmlSubmitService posts (loaiHoSo 130, maTinh = the facility's first 2 digits)."""
    return {"username": f"{facility}_BV", "loaiHoSo": "130", "maTinh": facility[:2], "maCSKCB": facility,
            "fileHSBase64": file_b64}
