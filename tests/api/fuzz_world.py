"""The data the API fuzzer (tests/api/test_fuzz.py) runs against: one of every kind of caller and one of
every kind of object, arranged through the factories and the real HTTP flows, so that generated
calls carrying valid tokens and seeded path values reach the services and not only the guards."""
from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import Flask

import clock
from auth import sessions
from models import Account
from services import api_clients
from services.identifiers import century_sex_digit
from tests import factories

FACILITY = "01001"
OAUTH_CLIENT = ("clinic_fuzz", "fuzz-secret-0123456789")
NEW_PHONE, CITIZEN_PHONE = "0912000001", "0912345678"
PENDING_NAME = "Trần Thị Bình"
WORKER_NAME = "Phạm Minh Tuấn"
ROLES = ("citizen", "officer", "clinic", "employer")
STAFF = ("001095012345", "Lê Văn Cường")


def _cccd(dob: date, gender: str, serial: int) -> str:
    return f"001{century_sex_digit(dob.year, gender)}{dob.year % 100:02d}{serial:06d}"


def _pending_person(i: int) -> tuple[date, str, str, str]:
    dob, gender = date(1990, 1, 1 + i), "female"
    return dob, gender, _cccd(dob, gender, 500 + i), f"09000000{i:02d}"


def _worker(i: int) -> dict:
    dob, gender = date(1985 + i, 6, 15), ("male", "female")[i % 2]
    return {"cccd": _cccd(dob, gender, 700 + i), "full_name": WORKER_NAME, "date_of_birth": dob.isoformat(),
            "gender": gender, "salary": 12_000_000, "start_month": f"{clock.today():%Y-%m}",
            "job_title": "Kế toán", "primary_care_facility_code": FACILITY}


def realistic_bodies(operation: str) -> list[dict]:
    """Bodies built from the seeded data, mixed into the generated ones so that the happy paths and
    the business-rule refusals (409, 404, 429, per-row rejections) are exercised, not only 422."""
    month = f"{clock.today():%Y-%m}"
    link = {"cccd": "001095012345", "bhxh_code": "0123456789", "full_name": "Nguyễn Văn An",
            "date_of_birth": "1995-03-05", "gender": "male", "consent": True}
    dob, gender, cccd, bhxh = _pending_person(0)
    bodies = {
        "POST /api/v1/auth/register": [{"phone": NEW_PHONE, "password": factories.PASSWORD, "full_name": "Ngô Thị Mai"},
                                       {"phone": CITIZEN_PHONE, "password": factories.PASSWORD, "full_name": "X"}],
        "POST /api/v1/auth/login": [{"phone": CITIZEN_PHONE, "password": factories.PASSWORD},
                                    {"phone": CITIZEN_PHONE, "password": "Wrong-Horse-42"}],
        "POST /api/v1/auth/password/forgot": [{"phone": CITIZEN_PHONE}],
        "POST /api/v1/oauth/token": [{"grant_type": "client_credentials", "client_id": OAUTH_CLIENT[0],
                                      "client_secret": OAUTH_CLIENT[1]}],
        "POST /api/v1/me/link": [link, {**link, "bhxh_code": None},
                                 {"cccd": cccd, "bhxh_code": bhxh, "full_name": PENDING_NAME,
                                  "date_of_birth": dob.isoformat(), "gender": gender, "consent": True},
                                 {**link, "cccd": "001095099999", "bhxh_code": "0100000000"}],
        "POST /api/v1/employer/enrollments": [{"employees": [_worker(i) for i in range(1, 4)]},
                                              {"employees": [_worker(0), {**_worker(5), "full_name": "Sai Tên"}]}],
        "POST /api/v1/employer/terminations": [{"employees": [{"cccd": _worker(0)["cccd"], "end_month": month,
                                                               "reason": "transfer_in_province"}]},
                                               {"employees": [{"bhxh_code": "0199999999", "end_month": month,
                                                               "reason": "stopped"}]}],
    }
    found = bodies.get(operation, [])
    return found + [_csv(body["employees"]) for body in found if "employees" in body]


def _csv(rows: list[dict]) -> str:
    """The same batch as the CSV an employer's payroll software exports."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@dataclass
class World:
    app: Flask
    session: object
    citizen: Account
    officer: Account
    clinic_headers: dict
    employer_headers: dict
    review_ids: list[int] = field(default_factory=list)
    card_numbers: list[str] = field(default_factory=list)  # cards an officer may revoke (not the citizen's)
    batch_ids: list[str] = field(default_factory=list)
    citizen_card: str = ""

    def headers(self, role: str | None) -> dict:
        """Fresh credentials per call: a generated logout must not blind every later call."""
        if role is None:
            return {}
        if role == "citizen":
            return {"Authorization": f"Bearer {factories.account_token(self.app, self.session, self.citizen)}"}
        if role == "officer":
            return {"Authorization": f"Bearer {factories.account_token(self.app, self.session, self.officer)}"}
        if role == "refresh":
            with self.app.app_context():
                pair = sessions.start(self.session, self.citizen)
            self.session.commit()
            return {"Authorization": f"Bearer {pair['refresh_token']}"}
        return dict(self.clinic_headers if role == "clinic" else self.employer_headers)


def _linked_citizen(app, session) -> tuple[Account, str]:
    """An (account +84912345678) linked to record 0123456789, with an active card of facility 01001."""
    factories.registry_record(session)
    acc = factories.account(session)
    person = factories.person(session, cccd="001095012345")
    person.account_id, person.linked_at = acc.id, clock.now()
    session.commit()
    card = factories.card(session, person, facility_code=FACILITY)
    return acc, card.card_number


def _pending_review(app, client, session, i: int) -> int:
    """A citizen whose record misspells the name: the registry confirms, an officer must decide."""
    dob, gender, cccd, bhxh = _pending_person(i)
    factories.registry_record(session, cccd=cccd, full_name=PENDING_NAME, date_of_birth=dob, gender=gender)
    factories.person(session, bhxh_code=bhxh, full_name="Tran Thi Binh", date_of_birth=dob, gender=gender)
    _, headers = factories.citizen(app, session, phone=f"+8491300000{i}", full_name=PENDING_NAME)
    resp = client.post("/api/v1/me/link", headers=headers, json={
        "cccd": cccd, "bhxh_code": bhxh, "full_name": PENDING_NAME, "date_of_birth": dob.isoformat(),
        "gender": gender, "consent": True})
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()["review_id"]


def _enrolled_batches(client, session, headers: dict) -> list[str]:
    """One enrollment batch (two people) and one termination batch of the employer's unit."""
    today = clock.today()
    for i in range(6):  # in the registry; 0 and 1 enrolled here, the others left for the fuzzer
        w = _worker(i)
        factories.registry_record(session, cccd=w["cccd"], full_name=WORKER_NAME,
                                  date_of_birth=date.fromisoformat(w["date_of_birth"]), gender=w["gender"])
    rows = [_worker(0), _worker(1)]
    resp = client.post("/api/v1/employer/enrollments", json={"employees": rows},
                       headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert resp.status_code == 200 and resp.get_json()["enrolled"] == 2, resp.get_json()
    enrolled = resp.get_json()
    resp = client.post("/api/v1/employer/terminations", headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                       json={"employees": [{"cccd": rows[1]["cccd"], "end_month": f"{today:%Y-%m}",
                                            "reason": "stopped"}]})
    assert resp.status_code == 200 and resp.get_json()["terminated"] == 1, resp.get_json()
    return [enrolled["batch_id"], resp.get_json()["batch_id"]]


def build(app: Flask, session) -> World:
    client = app.test_client()
    factories.facility(session, FACILITY)
    factories.facility(session, "79001", "Bệnh viện Chợ Rẫy")
    citizen, citizen_card = _linked_citizen(app, session)
    officer, _ = factories.officer(app, session)
    clinic, clinic_headers = factories.clinic(app, session, FACILITY, staff=STAFF)
    _, employer_headers = factories.employer(app, session)
    # A card someone else holds, for the officer's revoke; and a check of the citizen's card.
    other = factories.person(session, bhxh_code="0199999999", full_name="Hoàng Văn Nam", date_of_birth=date(1970, 2, 2))
    other_card = factories.card(session, other, facility_code=FACILITY)
    resp = client.post("/api/v1/clinic/card-checks", headers=clinic_headers, json={
        "identifier": citizen_card, "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
        "staff_cccd": STAFF[0], "staff_name": STAFF[1]})
    assert resp.status_code == 200 and resp.get_json()["result_code"] == "000", resp.get_json()
    api_clients.create_client(session, "clinic", "Fuzz clinic", facility_code=FACILITY, client_id=OAUTH_CLIENT[0],
                              secret=OAUTH_CLIENT[1])
    session.commit()
    world = World(app=app, session=session, citizen=citizen, officer=officer, clinic_headers=clinic_headers,
                  employer_headers=employer_headers, citizen_card=citizen_card)
    world.review_ids = [_pending_review(app, client, session, i) for i in range(2)]
    world.card_numbers = [other_card.card_number]
    world.batch_ids = _enrolled_batches(client, session, employer_headers)
    return world

