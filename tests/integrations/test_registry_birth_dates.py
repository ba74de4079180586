"""The registry adapter with partial birth dates: the http client sends the precision given (a real
local server records the body), the local table compares the parts both sides know."""
from __future__ import annotations

from datetime import date

import pytest

from integrations.registry import HttpRegistry, LocalRegistry
from services.birth_dates import BirthDate
from tests import factories
from tests.integrations.test_registry import server  # noqa: F401  (the fixture)

NAME = "Lê Văn Bảy"


@pytest.mark.parametrize(("given", "sent"), [(BirthDate(1958, 4, 12), "1958-04-12"), (BirthDate(1958, 4), "1958-04"),
                                             (BirthDate(1958), "1958"), (date(1958, 4, 12), "1958-04-12")])
def test_http_sends_the_precision_given(server, given, sent):  # noqa: F811
    assert HttpRegistry(server.url, timeout=2).verify(None, "001058000101", NAME, given, "male") is True
    assert server.requests[-1]["date_of_birth"] == sent


def test_http_verify_many_sends_each_shape(server):  # noqa: F811
    rows = [("001058000101", NAME, BirthDate(1958), "male"), ("001058000102", NAME, BirthDate(1958, 4), "male")]
    assert HttpRegistry(server.url, timeout=2).verify_many(None, rows) == [True, True]
    assert [r["date_of_birth"] for r in server.requests] == ["1958", "1958-04"]


@pytest.mark.parametrize(("held", "given", "match"), [
    (BirthDate(1958), BirthDate(1958, 4, 12), True),
    (BirthDate(1958), BirthDate(1959), False),
    (BirthDate(1958, 4), BirthDate(1958, 4, 30), True),
    (BirthDate(1958, 4), BirthDate(1958, 5), False),
    (BirthDate(1958, 4, 12), BirthDate(1958), True),
    (BirthDate(1958, 4, 12), BirthDate(1958, 4), True),
    (BirthDate(1958, 4, 12), BirthDate(1958, 4, 13), False),
])
def test_local_compares_the_parts_both_know(session, held, given, match):
    factories.registry_record(session, cccd="001058000101", full_name=NAME, date_of_birth=held)
    adapter = LocalRegistry()
    assert adapter.verify(session, "001058000101", NAME, given, "male") is match
    assert adapter.verify_many(session, [("001058000101", NAME, given, "male")]) == [match]
    assert adapter.lookup(session, "001058000101") == (NAME, held, "male")
