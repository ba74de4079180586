"""`flask seed synthetic --visits N`: visits of the seeded persons, with co-payment years."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from models import CopayYear, Visit, VisitKey
from services import icd10


def test_seed_adds_visits_with_a_realistic_mix(app, runner, session):
    out = runner.invoke(args=["seed", "synthetic", "--persons", "200", "--visits", "2000"])
    assert out.exit_code == 0, out.output
    assert "2,000 visits" in out.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Visit)) == 2000
    assert session.scalar(select(func.count()).select_from(VisitKey)) == 2000
    kinds = Counter(session.scalars(select(Visit.visit_type)))
    assert 0.78 < kinds["01"] / 2000 < 0.90 and kinds["01"] + kinds["03"] == 2000
    codes = Counter(session.scalars(select(Visit.main_icd)))
    assert codes.most_common(1)[0][0] == "I10" and all(icd10.normalize(c) == c for c in codes)
    for v in session.scalars(select(Visit).limit(200)):
        assert v.fund_paid == v.insured_total - v.copay and v.discharged_at >= v.admitted_at
    paid = session.scalar(select(func.sum(CopayYear.paid)))
    assert paid == session.scalar(select(func.sum(Visit.copay)))
    again = runner.invoke(args=["seed", "synthetic", "--persons", "0", "--visits", "10"])
    assert again.exit_code == 0 and "SYN2001-SYN2010" in again.output, again.output
