"""The SVG QR has an opaque white background: on a dark screen a transparent one decodes to nothing."""
import xml.etree.ElementTree as ET


def test_qr_svg_has_an_opaque_white_background(client, with_card):
    _p, _c, headers = with_card
    root = ET.fromstring(client.get("/api/v1/me/card/qr.svg", headers=headers).data)
    fills = [el.get("fill", "").lower() for el in root.iter()]
    assert {"#fff", "#ffffff", "white"} & set(fills), fills
