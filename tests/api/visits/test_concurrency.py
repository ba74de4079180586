"""Files about one person sent at once: every file recorded, one visit per MA_LK, and the
co-payment year equal to the sum of the visits that remain (the persons' row locks serialize)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select

from models import CopayYear, Visit, VisitKey
from tests.api.visits.helpers import holder_with_card
from tests.api.visits.test_me_visits import day_visit


def test_concurrent_files_about_one_person(client, session, clinic_headers):
    person, _ = holder_with_card(session)

    def send(k: int):
        files = [day_visit(1, copay=1000 * (k + 1)), day_visit(10 + k, copay=500)]  # LK001 shared, LK01k own
        return client.post("/api/v1/clinic/visits", json={"visits": files}, headers=clinic_headers)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.get_json() for a in answers]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Visit)) == 5
    assert session.scalar(select(func.count()).select_from(VisitKey)) == 5
    total = session.scalar(select(func.sum(Visit.copay)).where(Visit.person_id == person.id))
    assert session.scalar(select(CopayYear.paid).where(CopayYear.person_id == person.id)) == total
    assert total in {Decimal(2000 + 1000 * (k + 1)) for k in range(4)}
