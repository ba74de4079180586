from tests.api.clinic.conftest import at_now, clinic_headers  # noqa: F401
