"""Sign-in in Chromium against the served app: behind a trusted proxy header (as viewer, as analyst, and with
no header), and a full st.login round trip against a local OpenID Connect provider (oidc-provider-mock)."""
from __future__ import annotations

import json
import shutil
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.browser import DONE, launch_chromium, page_text, served_app
from tests.proxy import signed_in_proxy
from tests.conftest import write

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)

ROLES = "who,role\nann@example.com,analyst\nvera@example.com,viewer\n"
HEADER = "X-Forwarded-Email"


def batches(db) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT batch_id, file_name, loaded_by, loaded_via FROM batches ORDER BY 1").fetchall()


@pytest.fixture(scope="module")
def proxied(plan_db, tmp_path_factory):
    """The app configured to trust X-Forwarded-Email (as behind oauth2-proxy), over a database this module keeps."""
    tmp = tmp_path_factory.mktemp("browser_auth")
    db = tmp / "dce.duckdb"
    shutil.copy(plan_db, db)
    roles = write(tmp / "roles.csv", ROLES)
    env = {"DCE_TRUSTED_HEADER": HEADER, "DCE_ROLES": str(roles)}
    with served_app(db, copy=False, env=env) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        yield base, browser, db
        browser.close()


def new_page(browser):
    return browser.new_context(viewport={"width": 1440, "height": 2000}).new_page()


def test_without_the_header_nobody_gets_in(proxied):
    """Straight to the app, past the proxy: no identity header, so no page and no navigation."""
    base, browser, _ = proxied
    page = new_page(browser)
    text = page_text(page, f"{base}/data")
    assert "Not signed in" in text and "Load history" not in text and "KPI" not in text
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    page.context.close()


def test_a_viewer_browses_and_exports_but_has_no_write_control(proxied):
    app, browser, db = proxied
    with signed_in_proxy(app, HEADER, "vera@example.com") as base:
        page = new_page(browser)
        viewer_browses(page, base, db)
        page.context.close()


def viewer_browses(page, base, db):
    assert "55.4/100" in page_text(page, base)
    assert "vera@example.com · viewer" in page.inner_text("[data-testid='stSidebar']").replace("\u2060", "")
    text = page_text(page, f"{base}/data")
    assert "You have the viewer role" in text and "Load history" in text
    assert page.locator("input[type=file]").count() == 0
    assert page.get_by_role("button", name="Load sample history").count() == 0
    assert page.get_by_text("Undo a batch").count() == 0
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="⬇ Export workbook (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert [b[0] for b in batches(db)] == [1]


def test_an_analysts_load_is_recorded_with_their_email(proxied, tmp_path):
    app, browser, db = proxied
    with signed_in_proxy(app, HEADER, "ann@example.com") as base:
        page = new_page(browser)
        analyst_loads(page, base, db, tmp_path)
        page.context.close()


def analyst_loads(page, base, db, tmp_path):
    page_text(page, f"{base}/data")
    good = write(tmp_path / "week2.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,85\n")
    page.locator("input[type=file]").first.set_input_files(str(good))
    page.wait_for_selector("text=No problems found", timeout=120_000)
    page.get_by_role("button", name="Load 1 rows into observations").click()
    page.wait_for_selector("text=batch 2: loaded 1 rows into observations from week2.csv", timeout=120_000)
    assert batches(db)[-1] == (2, "week2.csv", "ann@example.com", "page")
    page.wait_for_selector(DONE, timeout=120_000)
    text = page.inner_text("[data-testid='stMain']")
    assert "Undo a batch" in text and "Undo batch 2" in text          # their own batch, offered to undo
    assert page.get_by_role("button", name="Load sample history").count() == 0          # an admin's
