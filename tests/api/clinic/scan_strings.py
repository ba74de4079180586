"""Scanner texts as the desk's scanner types them: built by hand and through a real QR round trip
(segno encodes, zxing-cpp decodes the PNG), so the parser sees what a camera would read."""
from __future__ import annotations

import io


def cccd_qr(cccd: str, name: str, dob: str, cmnd: str = "", gender: str = "Nam",
            address: str = "Số 1 Phố Huế, Phường Hàng Bài, Hoàn Kiếm, Hà Nội", issued: str = "10102021") -> str:
    return "|".join([cccd, cmnd, name, dob, gender, address, issued])


def legacy_qr(card_number: str, name: str, dob: str, gender: str = "1", address: str = "Hà Nội",
              facility: str = "01 - 001") -> str:
    fields = [card_number, name.encode("utf-8").hex(), dob, gender, address.encode("utf-8").hex(), facility,
              "01/01/2026", "31/12/2026", "01/01/2025", "01-0123456789", "-", "4", " 01/01/2025", ""]
    return "|".join(fields) + "$"


def through_a_camera(text: str) -> str:
    """Encode `text` as a QR PNG with segno and read it back with zxing-cpp."""
    import segno

    from tests.api.cards.qr_image import decode_qr_png

    buf = io.BytesIO()
    segno.make(text, error="m", encoding="utf-8", micro=False).save(buf, kind="png", scale=3, border=4)
    found = decode_qr_png(buf.getvalue())
    assert len(found) == 1, found
    return found[0]
