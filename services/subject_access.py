"""Data-subject access (Luật 91/2025/QH15, the right to know and to view): everything the system
holds about one account's person, in one document. Secrets (password, OTP, token and TOTP hashes)
are ours, not personal data about the subject, and stay out."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Card, CardCheck, Consent, Employment, Facility, LinkRequest, LoginSession
from services import audit
from services.birth_dates import of_record
from services.people import person_of


def _iso(value):
    return value.isoformat() if value is not None else None


def export(session: Session, account_id: int) -> dict:
    account = session.get(Account, account_id)
    person = person_of(session, account_id)
    doc = {
        "account": {
            "id": account.id, "phone": account.phone, "full_name": account.full_name, "role": account.role,
            "created_at": _iso(account.created_at), "totp_enabled": account.totp_enabled,
        },
        "logins": [
            {"created_at": _iso(s.created_at), "expires_at": _iso(s.expires_at), "revoked_at": _iso(s.revoked_at)}
            for s in session.scalars(select(LoginSession).where(LoginSession.account_id == account_id)
                                     .order_by(LoginSession.created_at.desc()))
        ],
        "consents": [
            {"purpose": c.purpose, "text_version": c.text_version, "given_at": _iso(c.given_at),
             "withdrawn_at": _iso(c.withdrawn_at)}
            for c in session.scalars(select(Consent).where(Consent.account_id == account_id).order_by(Consent.id))
        ],
        "link_requests": [
            {"id": r.id, "status": r.status, "cccd": r.cccd, "created_at": _iso(r.created_at),
             "decided_at": _iso(r.decided_at), "reason": r.reason}
            for r in session.scalars(select(LinkRequest).where(LinkRequest.account_id == account_id)
                                     .order_by(LinkRequest.id))
        ],
        "insurance_record": None, "cards": [], "card_checks": [], "employments": [],
    }
    if person is None:
        return doc
    doc["insurance_record"] = {
        "bhxh_code": person.bhxh_code, "cccd": person.cccd, "full_name": person.full_name,
        "date_of_birth": of_record(person).iso(), "gender": person.gender, "address": person.address,
        "phone": person.phone, "linked_at": _iso(person.linked_at),
    }
    doc["cards"] = [
        {"card_number": c.card_number, "object_code": c.object_code, "benefit_level": c.benefit_level,
         "province_code": c.province_code, "facility_code": c.facility_code, "valid_from": _iso(c.valid_from),
         "valid_to": _iso(c.valid_to), "status": c.status, "status_reason": c.status_reason}
        for c in session.scalars(select(Card).where(Card.person_id == person.id).order_by(Card.valid_from.desc()))
    ]
    doc["card_checks"] = [
        {"check_id": cid, "checked_at": _iso(at), "facility_code": fac, "facility_name": name,
         "identifier_type": kind, "result_code": code}
        for cid, at, fac, name, kind, code in session.execute(
            select(CardCheck.id, CardCheck.checked_at, CardCheck.facility_code, Facility.name,
                   CardCheck.identifier_type, CardCheck.result_code)
            .outerjoin(Facility, Facility.code == CardCheck.facility_code)
            .where(CardCheck.person_id == person.id).order_by(CardCheck.checked_at.desc()))
    ]
    doc["employments"] = [
        {"unit_code": e.unit_code, "unit_name": e.unit_name, "from_month": e.from_month.strftime("%Y-%m"),
         "to_month": e.to_month.strftime("%Y-%m") if e.to_month else None, "salary": e.salary,
         "job_title": e.job_title, "end_reason": e.end_reason}
        for e in session.scalars(select(Employment).where(Employment.person_id == person.id)
                                 .order_by(Employment.from_month.desc()))
    ]
    return doc


def export_for(session: Session, actor: tuple[str, str | None], account_id: int) -> dict:
    """The export for the account's own owner, audited in the same transaction as the read. Commits."""
    doc = export(session, account_id)
    audit.record(session, actor, "subject_access.export", ("account", account_id))
    session.commit()
    return doc
