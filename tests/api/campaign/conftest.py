from tests.api.employer.conftest import employer, now, other_employer  # noqa: F401  (the same arrangements)
