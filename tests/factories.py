"""Arrange data straight through the models, for tests that are not about the flow that makes it.

Tokens carry the claims auth/roles.py reads: typ=access, role, sub, and sid (account logins) or
fac / unit + prov (clients). Flows under test (register, login, oauth) are driven over HTTP instead.
"""
from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import Flask

import clock
from auth.passwords import hash_password
from auth.tokens import issue_access_token
from models import Account, ApiClient, Card, ClinicStaff, Facility, InsuredPerson, LoginSession, RegistryRecord
from services.birth_dates import BirthDate, coerce, stored_columns
from services.identifiers import card_number

PASSWORD = "Correct-Horse-42"


def account(session, phone: str = "+84912345678", role: str = "citizen", full_name: str = "Nguyễn Văn An",
            password: str = PASSWORD) -> Account:
    acc = Account(phone=phone, password_hash=hash_password(password), full_name=full_name, role=role,
                  created_at=clock.now())
    session.add(acc)
    session.commit()
    return acc


def account_token(app: Flask, session, acc: Account) -> str:
    """An access token of a fresh login session of `acc`."""
    login = LoginSession(account_id=acc.id, created_at=clock.now(), expires_at=clock.now() + timedelta(days=30))
    session.add(login)
    session.commit()
    with app.app_context():
        return issue_access_token(str(acc.id), {"typ": "access", "role": acc.role, "sid": login.id})


def citizen(app, session, phone: str = "+84912345678", full_name: str = "Nguyễn Văn An") -> tuple[Account, dict]:
    acc = account(session, phone=phone, full_name=full_name)
    return acc, {"Authorization": f"Bearer {account_token(app, session, acc)}"}


def officer(app, session, phone: str = "+84987654321") -> tuple[Account, dict]:
    acc = account(session, phone=phone, role="officer", full_name="Trần Thị Bình")
    return acc, {"Authorization": f"Bearer {account_token(app, session, acc)}"}


def api_client(session, kind: str, *, facility_code: str | None = None, unit_code: str | None = None,
               province_code: str | None = None, name: str = "Test client") -> ApiClient:
    cl = ApiClient(client_id=f"{kind}_{secrets.token_hex(6)}", secret_hash="x" * 64, kind=kind, name=name,
                   facility_code=facility_code, unit_code=unit_code, province_code=province_code,
                   created_at=clock.now())
    session.add(cl)
    session.commit()
    return cl


def client_headers(app: Flask, cl: ApiClient) -> dict:
    claims = {"typ": "access", "role": cl.kind}
    if cl.kind == "clinic":
        claims["fac"] = cl.facility_code
    else:
        claims.update(unit=cl.unit_code, prov=cl.province_code)
    with app.app_context():
        return {"Authorization": f"Bearer {issue_access_token(cl.client_id, claims)}"}


def clinic(app, session, facility_code: str = "01001", staff: tuple[str, str] = ("001095012345", "Lê Văn Cường"),
           ) -> tuple[ApiClient, dict]:
    facility(session, facility_code)
    cl = api_client(session, "clinic", facility_code=facility_code, name=f"Clinic {facility_code}")
    session.add(ClinicStaff(client_id=cl.client_id, cccd=staff[0], full_name=staff[1]))
    session.commit()
    return cl, client_headers(app, cl)


def employer(app, session, unit_code: str = "TE3964E", province_code: str = "01",
             name: str = "Công ty TNHH An Phát") -> tuple[ApiClient, dict]:
    cl = api_client(session, "employer", unit_code=unit_code, province_code=province_code, name=name)
    return cl, client_headers(app, cl)


def facility(session, code: str = "01001", name: str = "Bệnh viện Bạch Mai") -> Facility:
    existing = session.get(Facility, code)
    if existing:
        return existing
    fac = Facility(code=code, name=name)
    session.add(fac)
    session.commit()
    return fac


def registry_record(session, cccd: str = "001095012345", full_name: str = "Nguyễn Văn An",
                    date_of_birth: date | BirthDate = date(1995, 3, 5), gender: str = "male") -> RegistryRecord:
    rec = RegistryRecord(cccd=cccd, full_name=full_name, **stored_columns(coerce(date_of_birth)), gender=gender,
                         updated_at=clock.now())
    session.add(rec)
    session.commit()
    return rec


def person(session, bhxh_code: str = "0123456789", cccd: str | None = None, full_name: str = "Nguyễn Văn An",
           date_of_birth: date | BirthDate = date(1995, 3, 5), gender: str = "male") -> InsuredPerson:
    p = InsuredPerson(bhxh_code=bhxh_code, cccd=cccd, full_name=full_name, **stored_columns(coerce(date_of_birth)),
                      gender=gender, created_at=clock.now(), updated_at=clock.now())
    session.add(p)
    session.commit()
    return p


def card(session, p: InsuredPerson, object_code: str = "DN", benefit_level: int = 4, province_code: str = "01",
         facility_code: str = "01001", valid_from: date | None = None, valid_to: date | None = None,
         status: str = "active", status_reason: str | None = None) -> Card:
    facility(session, facility_code)
    today = clock.today()
    c = Card(
        card_number=card_number(object_code, benefit_level, province_code, p.bhxh_code),
        person_id=p.id, object_code=object_code, benefit_level=benefit_level, province_code=province_code,
        facility_code=facility_code, valid_from=valid_from or date(today.year, 1, 1),
        valid_to=valid_to or date(today.year, 12, 31), issuing_agency="BHXH thành phố Hà Nội",
        status=status, status_reason=status_reason,
        status_changed_at=None if status == "active" else clock.now(), created_at=clock.now(),
    )
    session.add(c)
    session.commit()
    return c
