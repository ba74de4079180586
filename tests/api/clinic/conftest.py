import pytest

from tests import factories as f
from tests.api.cards.conftest import linked, with_card  # noqa: F401 (fixtures of the scan tests)
from tests.api.clinic.cases import NOW, STAFF


@pytest.fixture
def at_now(frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def clinic_headers(app, session, at_now):
    _cl, headers = f.clinic(app, session, staff=STAFF)
    return headers
