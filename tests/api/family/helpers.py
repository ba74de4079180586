"""A family for the dependants, births and household tests.

Mother Mai (linked, card at facility 01001) and father Hùng (linked) are both in the registry as
the parents of Khôi (born 2024, TE card) and Lan (born 2021, registry only, no card yet); Bình
is linked too but nobody's parent. The clock is frozen at NOW.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import clock
from models import RegistryRecord
from tests import factories as f

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
API = "/api/v1"
MAI = {"cccd": "001190000123", "full_name": "Nguyễn Thị Mai", "date_of_birth": date(1990, 4, 12), "gender": "female",
       "bhxh_code": "0190000123"}
HUNG = {"cccd": "001088000456", "full_name": "Trần Văn Hùng", "date_of_birth": date(1988, 9, 1), "gender": "male",
        "bhxh_code": "0188000456"}
BINH = {"cccd": "001085000789", "full_name": "Lê Văn Bình", "date_of_birth": date(1985, 1, 20), "gender": "male",
        "bhxh_code": "0185000789"}
KHOI = {"cccd": "001224000101", "full_name": "Trần Minh Khôi", "date_of_birth": date(2024, 5, 10), "gender": "male",
        "bhxh_code": "0124000101"}
LAN = {"cccd": "001321000202", "full_name": "Trần Thị Lan", "date_of_birth": date(2021, 3, 1), "gender": "female"}
STAFF = ("001095012345", "Lê Văn Cường")


@dataclass
class Family:
    mai: dict
    hung: dict
    binh: dict
    khoi_card: str
    mai_card: str


def registry(session, who: dict, **relations) -> RegistryRecord:
    rec = RegistryRecord(cccd=who["cccd"], full_name=who["full_name"], date_of_birth=who["date_of_birth"],
                         gender=who["gender"], updated_at=clock.now(), **relations)
    session.add(rec)
    session.commit()
    return rec


def linked_citizen(app, session, who: dict, phone: str) -> tuple[dict, object]:
    acc, headers = f.citizen(app, session, phone=phone, full_name=who["full_name"])
    person = f.person(session, bhxh_code=who["bhxh_code"], cccd=who["cccd"], full_name=who["full_name"],
                      date_of_birth=who["date_of_birth"], gender=who["gender"])
    person.account_id = acc.id
    session.commit()
    return headers, person


def build(app, session) -> Family:
    parents = {"mother_cccd": MAI["cccd"], "father_cccd": HUNG["cccd"], "household_code": "HN-0001"}
    for who in (MAI, HUNG):
        registry(session, who, household_code="HN-0001")
    registry(session, BINH)
    registry(session, KHOI, **parents)
    registry(session, LAN, **parents)
    mai_h, mai = linked_citizen(app, session, MAI, "+84911000001")
    hung_h, _ = linked_citizen(app, session, HUNG, "+84911000002")
    binh_h, _ = linked_citizen(app, session, BINH, "+84911000003")
    mai_card = f.card(session, mai, object_code="GD", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    khoi = f.person(session, **{k: KHOI[k] for k in ("bhxh_code", "cccd", "full_name", "date_of_birth", "gender")})
    khoi_card = f.card(session, khoi, object_code="TE", benefit_level=1, valid_from=KHOI["date_of_birth"],
                       valid_to=date(2030, 9, 30))
    return Family(mai_h, hung_h, binh_h, khoi_card.card_number, mai_card.card_number)


def child_body(who: dict, **changes) -> dict:
    return {"cccd": who["cccd"], "full_name": who["full_name"], "date_of_birth": who["date_of_birth"].isoformat(),
            "gender": who["gender"], **changes}


def add(client, headers, who: dict, **changes):
    return client.post(f"{API}/me/dependants", json=child_body(who, **changes), headers=headers)
