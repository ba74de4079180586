
from tests.conftest import assert_problem


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_ok(client):
    assert client.get("/readyz").status_code == 200


def test_readyz_503_when_database_unreachable(app_config):
    from app import create_app

    app = create_app({**app_config, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    resp = app.test_client().get("/readyz")
    body = assert_problem(resp, 503, "database_unavailable")
    assert resp.headers["Retry-After"]
    assert "detail" in body


def test_unknown_path_is_problem(client):
    assert_problem(client.get("/api/v1/nope"), 404, "not_found")


def test_wrong_method_is_problem(client):
    assert_problem(client.post("/healthz"), 405, "method_not_allowed")


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.get_json()["openapi"].startswith("3.")
    assert client.get("/docs").status_code == 200


def test_body_over_8_mib_is_413(client):
    resp = client.post("/api/v1/auth/login", data=b"x" * (8 * 1024 * 1024 + 1),
                       content_type="application/json")
    assert_problem(resp, 413, "payload_too_large")
