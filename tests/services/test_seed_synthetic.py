"""`flask seed synthetic`: counts, identifier validity, the state mix, repeatability, appending."""
from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

import models
from models import Card, Facility, InsuredPerson, RegistryRecord
from services.identifiers import CARD_RE, OBJECT_LEVELS, check_bhxh, check_card_number, check_cccd
from services.seed_synthetic import facilities, seed_synthetic
from tests import factories

TODAY = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 2, 30, tzinfo=UTC)
DECREASE_REASONS = {"stopped", "transfer_out_of_province", "transfer_in_province"}


@pytest.fixture
def engine(app):
    return app.extensions["db"].engine


def seed(engine, persons: int, rng_seed: int = 42) -> str:
    return seed_synthetic(engine, persons=persons, seed=rng_seed, today=TODAY, now=NOW)


def snapshot(session) -> tuple[list, list, list]:
    session.expire_all()
    reg = session.execute(select(RegistryRecord.cccd, RegistryRecord.full_name, RegistryRecord.date_of_birth,
                                 RegistryRecord.gender, RegistryRecord.address).order_by(RegistryRecord.cccd)).all()
    per = session.execute(select(InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name,
                                 InsuredPerson.date_of_birth, InsuredPerson.gender)
                          .order_by(InsuredPerson.bhxh_code)).all()
    cards = session.execute(select(Card.id, Card.card_number, InsuredPerson.bhxh_code, Card.object_code,
                                   Card.valid_from, Card.valid_to, Card.five_year_date, Card.status,
                                   Card.status_reason, Card.facility_code, Card.area_code)
                            .join(InsuredPerson).order_by(Card.card_number)).all()
    return reg, per, cards


def wipe(session) -> None:
    for table in reversed(models.Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def test_counts_and_summary(engine, session):
    out = seed(engine, 300)
    assert "300 persons (BHXH 9000000001-9000000300)" in out and "rows/s" in out
    assert session.scalar(select(text("count(*)")).select_from(RegistryRecord)) == 300
    assert session.scalar(select(text("count(*)")).select_from(InsuredPerson)) == 300
    n_cards = session.scalar(select(text("count(*)")).select_from(Card))
    assert 300 <= n_cards <= 360
    assert session.scalar(select(text("count(*)")).select_from(Facility)) == len(facilities())


def test_every_identifier_is_valid_and_consistent(engine, session):
    seed(engine, 1500)
    registry = {r.cccd: r for r in session.scalars(select(RegistryRecord))}
    persons = {p.id: p for p in session.scalars(select(InsuredPerson))}
    fac_codes = set(session.scalars(select(Facility.code)))
    for rec in registry.values():
        assert check_cccd(rec.cccd, rec.date_of_birth, rec.gender) == [], rec.cccd
        assert rec.cccd[6] == "9"  # the synthetic CCCD range
        assert unicodedata.normalize("NFC", rec.full_name) == rec.full_name
        assert len(rec.full_name.split()) in (3, 4)
    bhxh = [p.bhxh_code for p in persons.values()]
    assert len(set(bhxh)) == len(bhxh)
    for p in persons.values():
        assert check_bhxh(p.bhxh_code) == [] and p.bhxh_code.startswith("9")
        if p.cccd is not None:
            reg = registry[p.cccd]
            assert (reg.full_name, reg.date_of_birth, reg.gender) == (p.full_name, p.date_of_birth, p.gender)
    numbers = []
    for c in session.scalars(select(Card)):
        p = persons[c.person_id]
        assert CARD_RE.match(c.card_number) and check_card_number(c.card_number) == []
        assert c.card_number == f"{c.object_code}{c.benefit_level}{c.province_code}{p.bhxh_code}"
        assert OBJECT_LEVELS[c.object_code] == c.benefit_level
        assert c.facility_code in fac_codes and c.valid_from <= c.valid_to
        assert len(c.id) == 32
        numbers.append(c.card_number)
        if c.status == "active":
            assert c.status_reason is None and c.status_changed_at is None
        else:
            assert c.status_changed_at is not None and c.status_reason
            if c.status == "reported_decreased":
                assert c.status_reason in DECREASE_REASONS
    assert len(set(numbers)) == len(numbers)
    # Most names carry Vietnamese diacritics (a few like "Mai Anh" have none).
    marked = sum(1 for r in registry.values() if unicodedata.normalize("NFD", r.full_name) != r.full_name)
    assert marked > 0.95 * len(registry)


def test_state_mix(engine, session):
    seed(engine, 3000)
    cards = session.scalars(select(Card)).all()
    by_person: dict[int, list[Card]] = {}
    for c in cards:
        by_person.setdefault(c.person_id, []).append(c)
    states = Counter()
    for c in cards:
        states["expired" if c.status == "active" and c.valid_to < TODAY else c.status] += 1
    objects = Counter(c.object_code for c in cards)
    assert states["active"] > 0.8 * len(cards)
    assert states["expired"] > 0 and states["revoked"] > 0 and states["reported_decreased"] > 0
    assert {c.status_reason for c in cards if c.status == "reported_decreased"} == DECREASE_REASONS
    assert objects["DN"] > objects["HT"] > 0 and objects["TE"] > 0 and objects["HS"] > 0
    assert objects["QN"] + objects["CA"] > 0
    renewed = [cs for cs in by_person.values() if len(cs) == 2]
    assert 0.02 * 3000 < len(renewed) < 0.1 * 3000
    old_states = Counter()
    for old, new in (sorted(cs, key=lambda c: c.valid_from) for cs in renewed):
        assert new.status == "active" and new.valid_to >= TODAY and new.valid_from <= TODAY
        assert old.card_number != new.card_number
        old_states["valid" if old.valid_to >= TODAY else "expired"] += 1
    assert old_states["valid"] > 0 and old_states["expired"] > 0  # clinics answer 004 and 003
    carrying = session.scalar(select(text("count(*)")).select_from(InsuredPerson).where(InsuredPerson.cccd.is_not(None)))
    assert 0.8 * 3000 < carrying < 0.95 * 3000


def test_same_seed_same_data_and_other_seed_other_data(engine, session):
    seed(engine, 400, rng_seed=7)
    first = snapshot(session)
    wipe(session)
    seed(engine, 400, rng_seed=7)
    assert snapshot(session) == first
    wipe(session)
    seed(engine, 400, rng_seed=8)
    assert snapshot(session)[0] != first[0]


def test_a_second_run_adds_after_the_first_as_one_longer_run_would(engine, session):
    seed(engine, 250)
    out = seed(engine, 350)
    assert "350 persons (BHXH 9000000251-9000000600)" in out and "0 facilities added" in out
    appended = snapshot(session)
    wipe(session)
    seed(engine, 600)
    assert snapshot(session) == appended


def test_existing_rows_are_left_alone(engine, session, app):
    with app.app_context():
        factories.facility(session, "01901", "Phòng khám của bản demo")
        factories.registry_record(session, cccd="001095012345")
        factories.person(session, bhxh_code="0116149001", cccd="001095012345")
    seed(engine, 200)
    session.expire_all()
    assert session.get(Facility, "01901").name == "Phòng khám của bản demo"
    assert session.scalar(select(text("count(*)")).select_from(InsuredPerson)) == 201
    assert session.scalar(select(InsuredPerson.id).where(InsuredPerson.bhxh_code == "9000000001")) > 1
    # The id sequence was moved past the bulk-loaded ids: an ordinary insert still works.
    with app.app_context():
        later = factories.person(session, bhxh_code="0116149002")
    assert later.id == 202


def test_cli_command(runner, session):
    result = runner.invoke(args=["seed", "synthetic", "--persons", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "40 persons" in result.output
    assert session.scalar(select(text("count(*)")).select_from(InsuredPerson)) == 40
