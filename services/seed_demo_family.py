"""The demo family of `flask seed demo` (docs/demo.md, docs/family.md): mother Vũ Thị Ngọc (linked,
GD card) with two children in the registry, Khang (under 6, TE1 card, already her dependant) and
Hà (9, HS card, to be added in the demo), and father Đỗ Văn Quân (registry only) in their
household; plus the demo birth-registration client. Birth dates (and so the CCCDs, which carry
the birth year) are relative to the current year. A re-run puts everything back: the mother's
dependants are exactly Khang again, the cards and registry rows are rewritten.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import clock
from card_codes import CardStatus
from models import Account, Card, Dependant, InsuredPerson, RegistryRecord
from services import api_clients, births, campaign, provinces
from services.identifiers import card_number

PHONE = "+84901000007"
HOUSEHOLD = "DEMO-HGD-0001"
FACILITY = "01001"
BIRTHS_CLIENT = {"client_id": "demo-births", "secret": "demo-births-secret-not-for-production",
                 "name": "Hệ thống đăng ký hộ tịch (demo)"}


def people(year: int) -> dict[str, dict]:
    """The family's identities this year: CCCD = province 001 + century/sex digit + year + serial."""
    def who(name: str, born: date, gender: str, serial: str, bhxh: str | None) -> dict:
        digit = (0 if born.year < 2000 else 2) + (0 if gender == "male" else 1)
        return {"full_name": name, "date_of_birth": born, "gender": gender, "bhxh_code": bhxh,
                "cccd": f"001{digit}{born.year % 100:02d}{serial}"}
    return {
        "mother": who("Vũ Thị Ngọc", date(1990, 8, 15), "female", "007701", "0190007701"),
        "father": who("Đỗ Văn Quân", date(1987, 3, 9), "male", "007702", None),
        "khang": who("Đỗ Minh Khang", date(year - 2, 6, 1), "male", "007703", "0100007703"),
        "ha": who("Đỗ Thu Hà", date(year - 9, 4, 20), "female", "007704", "0100007704"),
    }


def _registry(session: Session, p: dict, **relations) -> None:
    session.merge(RegistryRecord(cccd=p["cccd"], full_name=p["full_name"], date_of_birth=p["date_of_birth"],
                                 gender=p["gender"], address="Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội",
                                 household_code=HOUSEHOLD, updated_at=clock.now(),
                                 mother_cccd=relations.get("mother"), father_cccd=relations.get("father"),
                                 guardian_cccd=None))


def _insured(session: Session, p: dict, object_code: str, level: int, valid_from: date,
             valid_to: date) -> InsuredPerson:
    now = clock.now()
    person = session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == p["bhxh_code"]))
    if person is None:
        person = InsuredPerson(bhxh_code=p["bhxh_code"], created_at=now)
        session.add(person)
    person.cccd, person.full_name, person.date_of_birth, person.gender = (
        p["cccd"], p["full_name"], p["date_of_birth"], p["gender"])
    person.updated_at = now
    session.flush()
    number = card_number(object_code, level, "01", p["bhxh_code"])
    card = session.scalar(select(Card).where(Card.card_number == number))
    if card is None:
        card = Card(card_number=number, person_id=person.id, created_at=now)
        session.add(card)
    card.person_id, card.object_code, card.benefit_level, card.province_code = person.id, object_code, level, "01"
    card.area_code, card.facility_code, card.valid_from, card.valid_to = None, FACILITY, valid_from, valid_to
    card.five_year_date, card.status_reason, card.status_changed_at = None, None, None
    card.status = CardStatus.ACTIVE.value
    card.issuing_agency = provinces.issuing_agency("01", clock.today())
    session.flush()
    return person


def seed_family(session: Session, accounts: dict[str, Account]) -> str:
    """After the demo accounts exist (`accounts` by phone); flushes, the caller commits."""
    year = clock.today().year
    fam = people(year)
    parents = {"mother": fam["mother"]["cccd"], "father": fam["father"]["cccd"]}
    for key in ("mother", "father"):
        _registry(session, fam[key])
    for key in ("khang", "ha"):
        _registry(session, fam[key], **parents)
    mother = _insured(session, fam["mother"], "GD", 4, date(year, 1, 1), date(year, 12, 31))
    khang = fam["khang"]
    _insured(session, khang, "TE", 1, khang["date_of_birth"], births.te_valid_to(khang["date_of_birth"]))
    _insured(session, fam["ha"], "HS", 4, date(year, 1, 1), date(year + 1, 12, 31))  # covered in any quote
    account = accounts[PHONE]
    session.execute(delete(Dependant).where(Dependant.guardian_account_id == account.id))
    mother.account_id, mother.linked_at = account.id, clock.now()
    session.add(Dependant(guardian_account_id=account.id, child_cccd=khang["cccd"], full_name=khang["full_name"],
                          date_of_birth=khang["date_of_birth"], gender=khang["gender"], created_at=clock.now()))
    api_clients.create_client(session, "birth_registry", BIRTHS_CLIENT["name"], client_id=BIRTHS_CLIENT["client_id"],
                              secret=BIRTHS_CLIENT["secret"])
    session.flush()
    campaign.refresh_bhxh(session, [p["bhxh_code"] for p in fam.values() if p["bhxh_code"]])
    ha = fam["ha"]
    return (f"family: {PHONE} {fam['mother']['full_name']} (dependant {khang['full_name']} {khang['cccd']}; "
            f"add {ha['full_name']} {ha['cccd']} {ha['date_of_birth'].isoformat()}); "
            f"births client: {BIRTHS_CLIENT['client_id']} / {BIRTHS_CLIENT['secret']}")
