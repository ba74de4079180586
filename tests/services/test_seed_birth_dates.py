"""The synthetic seed's partial birth dates: a few percent among people aged 60 and over, none
younger; the registry holds the same precision as the record; the CCCD still carries the year."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from models import InsuredPerson, RegistryRecord
from services.birth_dates import of_record
from services.identifiers import check_cccd
from services.seed_tables import PARTIAL_DOB
from tests.services.test_seed_synthetic import TODAY, engine, seed  # noqa: F401  (the fixture)


def test_partial_dates_among_older_people_only(engine, session):  # noqa: F811
    seed(engine, 4000)
    people = session.scalars(select(InsuredPerson)).all()
    registry = {r.cccd: r for r in session.scalars(select(RegistryRecord))}
    min_age, year_only, month_only = PARTIAL_DOB
    old = Counter()
    for p in people:
        born = of_record(p)
        older = born.age_on(TODAY) >= min_age - 1  # the stored day 1 may add a year of age
        if not older:
            assert born.precision == "day", (p.bhxh_code, born)
            continue
        old[born.precision] += 1
        if born.precision == "year":
            assert (p.date_of_birth.month, p.date_of_birth.day) == (1, 1)
        if born.precision == "month":
            assert p.date_of_birth.day == 1
    total = sum(old.values())
    assert total > 300
    assert 0.5 * year_only < old["year"] / total < 2 * year_only
    assert 0.3 * month_only < old["month"] / total < 3 * month_only
    for p in people:
        if p.cccd:
            rec = registry[p.cccd]
            assert of_record(rec) == of_record(p)
            assert check_cccd(p.cccd, of_record(p), p.gender) == []
