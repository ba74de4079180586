"""`flask seed demo`: the demo data set of docs/demo.md. Development only (fixed passwords and secrets).

Re-runnable: facilities, registry rows, persons and cards go through the CSV importers (which
replace by key); the demo persons' links and link requests are reset to the starting state, so a
demo can be replayed. Card dates are relative to the current year, so the demo never goes stale.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

import clock
from auth.passwords import hash_password
from models import Account, InsuredPerson, LinkRequest
from services import api_clients, campaign, imports, seed_campaign
from services.seed_demo_family import seed_family

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_PASSWORD = "VssidDemo#2025"

OFFICER = ("+84909000001", "Cán bộ Nguyễn Thị Demo")
# (phone, name): one citizen account per linking outcome (docs/demo.md).
CITIZENS = [
    ("+84901000001", "Nguyễn Văn An"),     # links at once
    ("+84901000002", "Trần Văn Bảo"),      # needs an officer's review
    ("+84901000003", "Lê Thị Cúc"),        # registry mismatch when she types her name without diacritics
    ("+84901000004", "Phạm Minh Đức"),     # in the registry, no insurance record
    ("+84901000005", "Hoàng Thị Hoa"),     # already linked (owns record 0112233445)
    ("+84901000006", "Đinh Văn Khách"),    # tries Hoa's details: already_linked
    ("+84901000007", "Vũ Thị Ngọc"),       # a mother with two children (services/seed_demo_family.py)
]
PRELINKED = {"0112233445": "+84901000005"}  # BHXH code -> owner phone

CLINIC = {"client_id": "demo-clinic-bachmai", "secret": "demo-clinic-secret-not-for-production",
          "name": "Bệnh viện Bạch Mai (demo)", "facility_code": "01001"}
CLINIC_STAFF = ("001080001234", "Lê Văn Cường")
EMPLOYER = {"client_id": "demo-employer-anphat", "secret": "demo-employer-secret-not-for-production",
            "name": "Công ty TNHH An Phát (demo)", "unit_code": "TE3964E", "province_code": "01"}


class DemoRefused(RuntimeError):
    """The demo data set must never reach a production database."""


def _render(name: str, folder: Path) -> Path:
    """Copy a demo CSV with its year tokens filled in ({Y} this year, {Y1}/{Y2} back, {YN} next)."""
    year = clock.today().year
    text = (DEMO_DIR / name).read_text(encoding="utf-8")
    for token, value in (("{YN}", year + 1), ("{Y1}", year - 1), ("{Y2}", year - 2), ("{Y}", year)):
        text = text.replace(token, str(value))
    out = folder / name
    out.write_text(text, encoding="utf-8")
    return out


def _account(session: Session, phone: str, name: str, role: str) -> Account:
    acc = session.scalar(select(Account).where(Account.phone == phone))
    if acc is None:
        acc = Account(phone=phone, full_name=name, role=role, created_at=clock.now(), password_hash="")
        session.add(acc)
    acc.full_name, acc.role = name, role
    acc.password_hash = hash_password(DEMO_PASSWORD)
    acc.failed_logins, acc.locked_until = 0, None
    session.flush()
    return acc


def _reset_links(session: Session, folder: Path) -> list[str]:
    """Unlink the demo persons and drop their link requests, so every outcome can be shown again."""
    rows = imports.read_csv(folder / "insurance.csv", imports.INSURANCE_COLUMNS, imports.INSURANCE_OPTIONAL)
    cccd_of = {row["bhxh_code"]: (row["cccd"] or None) for _, row in rows}
    ids = session.scalars(select(InsuredPerson.id).where(InsuredPerson.bhxh_code.in_(cccd_of))).all()
    if ids:
        session.execute(delete(LinkRequest).where(LinkRequest.person_id.in_(ids)))
        session.execute(update(InsuredPerson).where(InsuredPerson.id.in_(ids))
                        .values(account_id=None, linked_at=None, cccd=None))
    campaign.refresh(session, ids)
    session.commit()
    return list(cccd_of)


def seed_demo(session: Session) -> str:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("APP_ENV") == "production":
        raise DemoRefused("flask seed demo refuses APP_ENV=production: its passwords and secrets are public")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("facilities.csv", "registry.csv", "insurance.csv"):
            _render(name, folder)
        imports.import_facilities(session, folder / "facilities.csv")
        imports.import_registry(session, folder / "registry.csv")
        codes = _reset_links(session, folder)
        result = imports.import_insurance(session, folder / "insurance.csv")

    officer = _account(session, *OFFICER, role="officer")
    accounts = {phone: _account(session, phone, name, role="citizen") for phone, name in CITIZENS}
    session.execute(delete(LinkRequest).where(LinkRequest.account_id.in_([a.id for a in accounts.values()])))
    for bhxh_code, phone in PRELINKED.items():
        person = session.scalar(select(InsuredPerson).where(InsuredPerson.bhxh_code == bhxh_code))
        person.account_id, person.linked_at, person.updated_at = accounts[phone].id, clock.now(), clock.now()

    clinic, _ = api_clients.create_client(session, "clinic", CLINIC["name"], facility_code=CLINIC["facility_code"],
                                          client_id=CLINIC["client_id"], secret=CLINIC["secret"])
    api_clients.add_staff(session, clinic.client_id, *CLINIC_STAFF)
    employer, _ = api_clients.create_client(session, "employer", EMPLOYER["name"], unit_code=EMPLOYER["unit_code"],
                                            province_code=EMPLOYER["province_code"],
                                            client_id=EMPLOYER["client_id"], secret=EMPLOYER["secret"])
    campaign.refresh_bhxh(session, PRELINKED)
    seed_campaign.employ_demo_staff(session, EMPLOYER["unit_code"], EMPLOYER["name"])
    family = seed_family(session, accounts)
    session.commit()
    return "\n".join([
        f"demo data ready: {len(codes)} insured persons, {result.details.get('cards', 0)} cards "
        "(see docs/demo.md for who shows what)",
        f"password of every demo account: {DEMO_PASSWORD} (the login OTP is in the SMS outbox)",
        f"officer: {officer.phone}",
        "citizens: " + ", ".join(f"{phone} {name}" for phone, name in CITIZENS),
        f"clinic client: {clinic.client_id} / {CLINIC['secret']} (facility {CLINIC['facility_code']}, "
        f"staff {CLINIC_STAFF[0]} {CLINIC_STAFF[1]})",
        f"employer client: {employer.client_id} / {EMPLOYER['secret']} (unit {EMPLOYER['unit_code']}, "
        f"province {EMPLOYER['province_code']})",
        family,
    ])
