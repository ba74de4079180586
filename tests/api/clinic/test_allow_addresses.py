"""A clinic client's address allow-list (CV 1923): clinic REST, gateway check and gateway login."""
import pytest

from services import gateway_accounts
from tests import factories as f
from tests.api.clinic.cases import STAFF, base_request
from tests.api.gateway import his

URL = "/api/v1/clinic/card-checks"
GATEWAY = "/api/egw/KQNhanLichSuKCB2024"


def from_addr(addr):
    return {"environ_base": {"REMOTE_ADDR": addr}}


def allow(app, session, client_id, *cidrs):
    with app.app_context():
        for cidr in cidrs:
            gateway_accounts.allow_address(session, client_id, cidr)
        session.commit()
    app.extensions.pop("allow_lists", None)  # this worker's copy (re-read every 10 s otherwise)


def test_no_list_means_any_address(app, client, session, at_now):
    _cl, headers = f.clinic(app, session, staff=STAFF)
    assert client.post(URL, json=base_request("DN4010123456789"), headers=headers,
                       **from_addr("198.51.100.7")).status_code == 200


def test_clinic_rest_from_elsewhere_is_401(app, client, session, at_now):
    cl, headers = f.clinic(app, session, staff=STAFF)
    allow(app, session, cl.client_id, "203.0.113.0/24", "2001:db8::/32")
    body = base_request("DN4010123456789")
    assert client.post(URL, json=body, headers=headers, **from_addr("203.0.113.9")).status_code == 200
    assert client.post(URL, json=body, headers=headers, **from_addr("2001:db8::5")).status_code == 200
    refused = client.post(URL, json=body, headers=headers, **from_addr("198.51.100.7"))
    assert refused.status_code == 401 and refused.get_json()["code"] == "address_not_allowed"


def test_gateway_login_and_check_from_elsewhere(app, client, session, at_now):
    world = his.build(app, session)
    allow(app, session, world.client_id, "203.0.113.9")
    assert client.post("/api/token/take", json={"username": his.USERNAME, "password": world.md5},
                       **from_addr("198.51.100.7")).get_json()["maKetQua"] == "401"
    key = client.post("/api/token/take", json={"username": his.USERNAME, "password": world.md5},
                      **from_addr("203.0.113.9")).get_json()["APIKey"]
    q = f"token={key['access_token']}&id_token={key['id_token']}&username={his.USERNAME}&password={world.md5}"
    body = {"maThe": his.CARD, "hoTen": his.HOLDER, "ngaySinh": "20/02/1979", "hoTenCb": "NGUYEN VAN CAN BO",
            "cccdCb": his.STAFF_CCCD}
    ok = client.post(f"{GATEWAY}?{q}", json=body, **from_addr("203.0.113.9"))
    assert ok.get_json()["maKetQua"] == "000"
    refused = client.post(f"{GATEWAY}?{q}", json=body, **from_addr("198.51.100.7"))
    assert (refused.status_code, refused.get_json()["maKetQua"]) == (401, "401")


@pytest.mark.parametrize("cidr", ["nope", "300.1.1.1", "10.0.0.0/33", ""])
def test_bad_networks_are_refused(app, session, cidr):
    cl = f.api_client(session, "clinic", facility_code="01001")
    with app.app_context(), pytest.raises(gateway_accounts.ClientError):
        gateway_accounts.allow_address(session, cl.client_id, cidr)
