"""`130` at the clinic and the gateway: a child under 6 whom the population registry (or an
insurance record without a card) knows, with the name and date of birth the desk gave, but who
has no card yet (docs/family.md). Only asked when no card was found (the `050` branch), so the
card check's usual path pays nothing."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.sql import Executable

from card_codes import ResultCode
from models import InsuredPerson, RegistryRecord
from services.births import FREE_UNTIL_AGE, add_years
from services.names import same_name

if TYPE_CHECKING:
    from db.statements import Runner

_P, _R = InsuredPerson.__table__, RegistryRecord.__table__
_BY: dict[str, Executable] = {
    "cccd": union_all(select(_P.c.full_name, _P.c.date_of_birth).where(_P.c.cccd == bindparam("value")),
                      select(_R.c.full_name, _R.c.date_of_birth).where(_R.c.cccd == bindparam("value"))),
    "bhxh_code": select(_P.c.full_name, _P.c.date_of_birth).where(_P.c.bhxh_code == bindparam("value")),
}


def code_without_card(conn: Runner, id_type: str, value: str | None, full_name: str | None, dob: date | None,
                      today: date) -> ResultCode:
    """`130` for a known child under 6 whose identity matched, else `050` (no such card or person)."""
    stmt = _BY.get(id_type)
    if stmt is not None and value and full_name and dob:
        for name, held_dob in conn.rows(stmt, {"value": value}):
            if held_dob == dob and same_name(name, full_name) and add_years(dob, FREE_UNTIL_AGE) > today:
                return ResultCode.CHILD_WITHOUT_CARD
    return ResultCode.NO_CARD
