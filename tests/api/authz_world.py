"""One small world with every kind of caller, for the authorization matrix (tests/api/test_authorization_matrix.py).

Citizen A is linked to an insured person with an active card (checked once by the clinic, employed
by X); citizen B waits for an officer's review of his link; employer X enrolled E1 and E2 and
reported E2 as leaving; employer Y (another unit, another province) has nobody; the clinic works at
facility 01001, the other clinic at 79001 with its own staff. The clock is frozen at NOW.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from services import api_clients
from tests import factories as f
from tests.api.employer import helpers as emp
from tests.api.links.helpers import an_in_registry_and_insured
from tests.api.links.helpers import body as link_body

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
API = "/api/v1"
STAFF = ("001095012345", "Lê Văn Cường")
OTHER_STAFF = ("079090000123", "Phạm Văn Dũng")
A_PHONE, B_PHONE, OFFICER_PHONE = "+84911111111", "+84922222222", "+84987654321"
A_PERSON = {"bhxh_code": "0200000001", "cccd": "001090000002", "full_name": "Trần Văn Bảo",
            "date_of_birth": date(1990, 7, 1), "gender": "male"}
OTHER_PERSON = {"bhxh_code": "0300000003", "cccd": "001085000009", "full_name": "Đỗ Thị Cúc",
                "date_of_birth": date(1985, 2, 2), "gender": "female"}
ROLES = ("anonymous", "citizen_a", "citizen_b", "officer", "clinic", "employer_x", "employer_y")


@dataclass
class World:
    headers: dict[str, dict]
    a_card: str = ""
    other_card: str = ""
    b_review: int = 0
    x_batch: str = ""
    x_termination: str = ""
    x_employees: list[dict] = field(default_factory=list)  # E1 (active), E2 (terminated)
    clinic_secret: tuple[str, str] = ("", "")
    other_clinic: dict = field(default_factory=dict)
    a_check_ids: list[str] = field(default_factory=list)
    other_check_ids: list[str] = field(default_factory=list)


def check_body(card_number: str, holder: dict, staff: tuple[str, str] = STAFF) -> dict:
    return {"identifier": card_number, "full_name": holder["full_name"],
            "date_of_birth": holder["date_of_birth"].isoformat(), "staff_cccd": staff[0], "staff_name": staff[1]}


def gateway_body(card_number: str, holder: dict, staff: tuple[str, str] = STAFF) -> dict:
    return {"maThe": card_number, "hoTen": holder["full_name"],
            "ngaySinh": holder["date_of_birth"].strftime("%d/%m/%Y"), "hoTenCb": staff[1], "cccdCb": staff[0]}


def visit_of(card_number: str, holder: dict, ma_lk: str) -> dict:
    """A visit at 01001 in November 2026 by `holder` (tests/api/visits/helpers.py builds the rest)."""
    from tests.api.visits.helpers import visit

    return visit(ma_lk, MA_THE_BHYT=card_number, HO_TEN=holder["full_name"],
                 NGAY_SINH=holder["date_of_birth"].strftime("%Y%m%d0000"), NGAY_VAO="202611200800",
                 NGAY_RA="202611200900")


def visit_form(card_number: str, holder: dict, ma_lk: str) -> dict:
    from tests.api.visits.helpers import envelope, form

    return form(envelope([visit_of(card_number, holder, ma_lk)]))


def build(app, client, session) -> World:
    # Citizen A: linked, with a card.
    acc_a, a = f.citizen(app, session, phone=A_PHONE, full_name=A_PERSON["full_name"])
    person_a = f.person(session, **A_PERSON)
    person_a.account_id = acc_a.id
    session.commit()
    card_a = f.card(session, person_a, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    # Someone else's card (not linked to any account): clinic checks of it must never reach A.
    other = f.person(session, **OTHER_PERSON)
    card_other = f.card(session, other, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    # Citizen B: his record differs from the registry, so an officer must review his link.
    an_in_registry_and_insured(session, full_name="Nguyen Van An")
    _, b = f.citizen(app, session, phone=B_PHONE, full_name="Nguyễn Văn An")
    resp = client.post(f"{API}/me/link", json=link_body(), headers=b)
    assert resp.status_code == 202, resp.get_json()
    _, off = f.officer(app, session, phone=OFFICER_PHONE)
    # Clinic (01001) with a known secret for /oauth/token; another clinic (79001) with its own staff.
    f.facility(session, "01001")
    f.facility(session, "79001", "Bệnh viện Chợ Rẫy")
    cl, secret = api_clients.create_client(session, "clinic", "Phòng khám Bạch Mai", facility_code="01001")
    api_clients.add_staff(session, cl.client_id, *STAFF)
    session.commit()
    clinic_h = f.client_headers(app, cl)
    _, other_clinic_h = f.clinic(app, session, facility_code="79001", staff=OTHER_STAFF)
    # Employers: X (Hà Nội) enrolls E1 and E2 and reports E2 as leaving; Y (HCM) has nobody.
    _, x = f.employer(app, session)
    _, y = f.employer(app, session, unit_code="HCM0001", province_code="79", name="Công ty CP Sài Gòn Xanh")
    rows = emp.rows(2)
    emp.register(session, rows)
    enrolled = emp.enroll(client, x, rows)
    assert enrolled.status_code == 200 and enrolled.get_json()["enrolled"] == 2, enrolled.get_json()
    ended = emp.terminate(client, x, [{"cccd": rows[1]["cccd"], "end_month": "2026-11", "reason": "stopped"}])
    assert ended.status_code == 200 and ended.get_json()["terminated"] == 1, ended.get_json()
    world = World(
        headers={"anonymous": {}, "citizen_a": a, "citizen_b": b, "officer": off, "clinic": clinic_h,
                 "employer_x": x, "employer_y": y},
        a_card=card_a.card_number, other_card=card_other.card_number,
        b_review=resp.get_json()["review_id"], x_batch=enrolled.get_json()["batch_id"],
        x_termination=ended.get_json()["batch_id"],
        x_employees=[{**r, **res} for r, res in zip(rows, enrolled.get_json()["results"])],
        clinic_secret=(cl.client_id, secret), other_clinic=other_clinic_h,
    )
    # One check of A's card and one of the other person's card, by the clinic.
    for number, holder, ids in ((card_a.card_number, A_PERSON, world.a_check_ids),
                                (card_other.card_number, OTHER_PERSON, world.other_check_ids)):
        resp = client.post(f"{API}/clinic/card-checks", json=check_body(number, holder), headers=clinic_h)
        assert resp.status_code == 200 and resp.get_json()["result_code"] == "000", resp.get_json()
        ids.append(resp.get_json()["check_id"])
    return world
