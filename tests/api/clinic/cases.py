"""One case per result code, arranged through the real models; shared by the clinic endpoint's and
the gateway endpoint's table tests. Every case runs with the clock frozen at NOW."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tests import factories as f

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
TODAY = date(2026, 6, 15)
STAFF = ("001095012345", "Lê Văn Cường")
HOLDER = {"full_name": "Nguyễn Văn An", "date_of_birth": date(1995, 3, 5)}


def base_request(card_number: str) -> dict:
    return {"identifier": card_number, "full_name": HOLDER["full_name"],
            "date_of_birth": HOLDER["date_of_birth"].isoformat(), "staff_cccd": STAFF[0], "staff_name": STAFF[1]}


def _card(session, **kw):
    p = f.person(session)
    return f.card(session, p, **kw)


def _valid(session, **kw) -> dict:
    return base_request(_card(session, **kw).card_number)


def _replaced(session, old_valid_to: date, new_valid_from: date) -> dict:
    p = f.person(session)
    old = f.card(session, p, valid_from=date(old_valid_to.year, 1, 1), valid_to=old_valid_to)
    f.card(session, p, object_code="HC", valid_from=new_valid_from, valid_to=date(2026, 12, 31))
    return base_request(old.card_number)


def _child_without_card(session) -> dict:
    """An insured child under 6 (issue 15) whom the desk names right, with no card yet."""
    child = f.person(session, bhxh_code="0126000777", full_name="Trần Bé", date_of_birth=date(2026, 1, 2))
    return _with(base_request(child.bhxh_code), full_name=child.full_name, date_of_birth="2026-01-02")


def _with(request: dict, **changes) -> dict:
    out = {**request, **changes}
    return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Case:
    code: str
    arrange: Callable[..., dict]
    usable: bool
    card: bool
    note: str = ""
    renewed: bool = False


CASES = [
    Case("000", lambda s: _valid(s), True, True, "active card, right name and date of birth"),
    Case("001", lambda s: _valid(s, object_code="QN", benefit_level=5), True, True, "defence fund"),
    Case("002", lambda s: _valid(s, object_code="CA", benefit_level=5), True, True, "public-security fund"),
    Case("003", lambda s: _replaced(s, date(2025, 12, 31), date(2026, 1, 1)), True, True,
         "old card expired, replaced", renewed=True),
    Case("004", lambda s: _replaced(s, date(2026, 12, 31), date(2026, 6, 1)), True, True,
         "old card still valid, replaced", renewed=True),
    Case("010", lambda s: _valid(s, valid_from=date(2025, 1, 1), valid_to=date(2026, 6, 14)), False, True,
         "expired yesterday"),
    Case("050", lambda s: base_request("DN4019999999999"), False, False, "no such card"),
    Case("051", lambda s: base_request("XX4010123456789"), False, False, "unknown object code"),
    Case("052", lambda s: base_request("DN4000123456789"), False, False, "province 00"),
    Case("053", lambda s: base_request("DN6010123456789"), False, False, "benefit level 6"),
    Case("054", lambda s: _with(_valid(s), staff_cccd="001095099999"), False, False, "staff not registered"),
    Case("055", lambda s: _with(_valid(s), staff_name="Lê Văn Cương"), False, False, "staff name wrong"),
    Case("060", lambda s: _with(_valid(s), full_name="Trần Thị Bình"), False, False, "another name"),
    Case("061", lambda s: _with(_valid(s), full_name="Nguyen Van An"), False, False, "no diacritics"),
    Case("070", lambda s: _with(_valid(s), date_of_birth="1995-05-03"), False, False, "wrong date of birth"),
    Case("110", lambda s: _valid(s, status="revoked", status_reason="lost"), False, True, "revoked"),
    Case("120", lambda s: _valid(s, status="reported_decreased"), False, True, "báo giảm, no reason"),
    Case("121", lambda s: _valid(s, status="reported_decreased", status_reason="transfer_out_of_province"),
         False, True, "báo giảm, other province"),
    Case("122", lambda s: _valid(s, status="reported_decreased", status_reason="transfer_in_province"),
         False, True, "báo giảm, same province"),
    Case("123", lambda s: _valid(s, status="reported_decreased", status_reason="reenrolled_same_unit"),
         False, True, "báo giảm, re-enrolled"),
    Case("124", lambda s: _valid(s, status="reported_decreased", status_reason="stopped"), False, True,
         "báo giảm, stopped"),
    Case("130", _child_without_card, False, False, "a child under 6 without a card yet"),
    Case("205", lambda s: _with(_valid(s), full_name=None), False, False, "full_name missing"),
]


def to_gateway(request: dict) -> dict:
    """The same request in the gateway's field names and date format."""
    out = {"maThe": request.get("identifier"), "hoTen": request.get("full_name"),
           "hoTenCb": request.get("staff_name"), "cccdCb": request.get("staff_cccd")}
    dob = request.get("date_of_birth")
    if dob:
        y, m, d = dob.split("-")
        out["ngaySinh"] = f"{d}/{m}/{y}"
    return {k: v for k, v in out.items() if v is not None}
