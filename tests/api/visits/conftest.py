import pytest

from tests import factories as f
from tests.api.visits.helpers import NOW, STAFF


@pytest.fixture
def at_now(frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def clinic_headers(app, session, at_now):
    _cl, headers = f.clinic(app, session, staff=STAFF)
    return headers


@pytest.fixture
def other_clinic_headers(app, session, at_now):
    _cl, headers = f.clinic(app, session, facility_code="79001", staff=("079090000123", "Phạm Văn Dũng"))
    return headers
