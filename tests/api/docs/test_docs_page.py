"""/docs works on a closed network: Swagger UI from the pinned package, every asset from this
origin, and (in headless Chromium) the page really renders the operations."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.api.live import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_every_asset_of_the_docs_page_comes_from_this_origin(client):
    page = client.get("/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) >= 3
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_problem_page_has_an_anchor_per_code(client):
    from api.docs.problems import table

    page = client.get("/docs/problems").get_data(as_text=True)
    for row in table():
        assert f'id="{row.code}"' in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_swagger_ui_renders_the_operations_in_chromium(app, client):
    sync_api = pytest.importorskip("playwright.sync_api")
    spec = client.get("/openapi.json").get_json()
    operations = sum(1 for ops in spec["paths"].values() for m in ops if m != "parameters")
    with serving(app) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda req: requested.append(req.url))
            page.goto(base + "/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            shown = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert shown == operations
    assert spec["info"]["title"] in title
    outside = [u for u in requested if not u.startswith(base) and not u.startswith("data:")]
    assert outside == []
