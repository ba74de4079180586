"""An integrator's first hour: generate a Python client from the live /openapi.json with
openapi-python-client, import every module of it, and drive register -> login -> link -> card ->
QR PNG -> clinic token -> check with it against a real server."""
from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.api.live import serving

GENERATOR = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
CONFIG = "content_type_overrides:\n  image/png: application/octet-stream\n  image/svg+xml: application/octet-stream\n"
AN = {"cccd": "001095012345", "bhxh_code": "0123456789", "full_name": "Nguyễn Văn An",
      "date_of_birth": "1995-03-05", "gender": "male", "consent": True}


def _generate(base: str, folder: Path):
    (folder / "openapi.json").write_text(json.dumps(requests.get(base + "/openapi.json", timeout=10).json()))
    (folder / "config.yaml").write_text(CONFIG)
    subprocess.run([GENERATOR, "generate", "--path", str(folder / "openapi.json"), "--meta", "none",
                    "--config", str(folder / "config.yaml"), "--output-path", str(folder / "vssid_client")],
                   check=True, capture_output=True, timeout=300, cwd=folder)
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module("vssid_client")
        for module in pkgutil.walk_packages(package.__path__, "vssid_client."):
            importlib.import_module(module.name)  # every module imports (no undefined names)
    finally:
        sys.path.remove(str(folder))
    return package


@pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client is not installed (requirements-dev.txt)")
def test_generated_client_drives_the_walkthrough(app, runner, outbox, tmp_path):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with serving(app) as base:
        c = _generate(base, tmp_path)
        m = sys.modules["vssid_client.models"]
        api = "vssid_client.api."
        mod = lambda name: sys.modules[api + name]  # noqa: E731
        anon = c.Client(base_url=base, raise_on_unexpected_status=True)

        challenge = mod("auth.auth_register").sync(client=anon, body=m.Register(
            phone="0912345678", password="Hoa-sen-no-2024", full_name="Nguyễn Thị Mai"))
        registered = mod("auth.auth_register_verify").sync(client=anon, body=m.Verify(
            challenge_id=challenge.challenge_id, otp=outbox.last_code()))
        assert isinstance(registered, m.Registered), registered

        login = mod("auth.auth_login").sync(client=anon, body=m.Login(phone="0901000001", password="VssidDemo#2025"))
        tokens = mod("auth.auth_login_verify").sync(client=anon, body=m.Verify(
            challenge_id=login.challenge_id, otp=outbox.last_code()))
        citizen = c.AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)

        linked = mod("links.links_link_post").sync(client=citizen, body=m.LinkRequest.from_dict(AN))
        assert isinstance(linked, m.LinkResult) and linked.status.value == "linked", linked
        card = mod("cards.cards_my_card").sync(client=citizen)
        assert isinstance(card, m.MyCard) and card.status.value == "active", card
        png = mod("cards.cards_my_card_qr_png").sync(client=citizen)
        assert png.payload.read().startswith(b"\x89PNG")

        grant = mod("oauth.oauth_token").sync(client=anon, body=m.TokenRequest.from_dict({
            "grant_type": "client_credentials", "client_id": "demo-clinic-bachmai",
            "client_secret": "demo-clinic-secret-not-for-production"}))
        clinic = c.AuthenticatedClient(base_url=base, token=grant.access_token, raise_on_unexpected_status=True)
        result = mod("clinic.clinic_create_card_check").sync(client=clinic, body=m.CardCheckByIdentifier.from_dict({
            "identifier": card.card_number, "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05",
            "staff_cccd": "001080001234", "staff_name": "Lê Văn Cường"}))
        assert isinstance(result, m.CardCheckResult), result
        assert result.result_code == "000"
