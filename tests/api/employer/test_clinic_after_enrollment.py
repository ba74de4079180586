"""End to end: a card issued by báo tăng checks 000 at a clinic; after báo giảm (stopped) 124."""
from __future__ import annotations

import pytest

from tests import factories

from .helpers import enroll, register, rows, terminate

CHECKS = "/api/v1/clinic/card-checks"
STAFF = ("001095012345", "Lê Văn Cường")


def _check(client, headers, identifier, row):
    resp = client.post(CHECKS, json={"identifier": identifier, "full_name": row["full_name"],
                                     "date_of_birth": row["date_of_birth"], "staff_cccd": STAFF[0],
                                     "staff_name": STAFF[1]}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("reason,code", [("stopped", "124"), ("transfer_out_of_province", "121"),
                                         ("transfer_in_province", "122")])
def test_enrolled_card_is_valid_then_reported_decreased(client, app, session, employer, reason, code):
    _, headers = employer
    _, clinic_headers = factories.clinic(app, session, facility_code="01001", staff=STAFF)
    body = rows(1)
    register(session, body)
    res = enroll(client, headers, body).get_json()["results"][0]
    for identifier in (res["card_number"], res["bhxh_code"], body[0]["cccd"]):
        check = _check(client, clinic_headers, identifier, body[0])
        assert check["result_code"] == "000" and check["usable"] is True, check
    assert check["card"]["card_number"] == res["card_number"]
    assert check["card"]["issuing_agency"] == "BHXH thành phố Hà Nội"
    terminate(client, headers, [{"cccd": body[0]["cccd"], "end_month": "2026-11", "reason": reason}])
    check = _check(client, clinic_headers, res["card_number"], body[0])
    assert check["result_code"] == code and check["usable"] is False, check
