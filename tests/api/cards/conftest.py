from datetime import UTC, date, datetime

import pytest

from tests import factories as f

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def at_now(frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def linked(app, session, at_now):
    """A citizen linked to an insured person (no card yet): (person, headers)."""
    acc, headers = f.citizen(app, session)
    person = f.person(session, cccd="001095000001")
    person.account_id = acc.id
    person.address = "Phường Phú Lãm, Hà Nội"
    session.commit()
    return person, headers


@pytest.fixture
def with_card(session, linked):
    person, headers = linked
    card = f.card(session, person, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    card.five_year_date = date(2027, 1, 1)
    card.area_code = "K1"
    session.commit()
    return person, card, headers


@pytest.fixture
def clinic_headers(app, session, at_now):
    return f.clinic(app, session, staff=("001095012345", "Lê Văn Cường"))[1]
