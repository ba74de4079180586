from __future__ import annotations

import pytest

from tests import factories

from .helpers import FACILITY, NOW


@pytest.fixture
def now(frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.fixture
def employer(app, session, now):
    """An employer of unit TE3964E in Hà Nội (01), the facility 01001, and its auth headers."""
    factories.facility(session, FACILITY)
    factories.facility(session, "79001", "Bệnh viện Chợ Rẫy")
    cl, headers = factories.employer(app, session)
    return cl, headers


@pytest.fixture
def other_employer(app, session, now):
    cl, headers = factories.employer(app, session, unit_code="HCM0001", province_code="79",
                                     name="Công ty CP Sài Gòn Xanh")
    return cl, headers
