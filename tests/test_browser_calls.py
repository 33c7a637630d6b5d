"""In Chromium against the served app: a Ringba-style CSV uploaded on /data is recognised as call records,
previewed and imported; /calls then shows the week's funnel with the counts pandas works out from the file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import calls_exports as ex
from tests.browser import DONE, launch_chromium, page_text, served_app

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)


def settle(page) -> str:
    page.wait_for_timeout(800)
    page.wait_for_selector(DONE, timeout=120_000)
    return page.inner_text("[data-testid='stMain']")


def test_upload_a_ringba_export_import_it_and_see_it_on_calls(plan_db, tmp_path):
    db = tmp_path / "dce.duckdb"
    shutil.copy(plan_db, db)
    frame, digits = ex.ringba(n=150, first_day="2025-01-20", days=3)
    export = ex.save(frame, tmp_path / "ringba_calls.csv")
    truth = ex.truth(frame, "ringba")
    with served_app(db, copy=False) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 2000})
        assert "No call records are loaded yet" in page_text(page, f"{base}/calls")
        page_text(page, f"{base}/data")
        page.locator("input[type=file]").first.set_input_files(str(export))
        page.wait_for_selector("text=No problems found", timeout=120_000)
        body = settle(page)
        assert "ringba_calls.csv is a Ringba call log" in body
        assert f"{len(truth)} calls on 3 days" in body and f"{len(truth)} new" in body
        page.get_by_role("button", name=f"Import {len(truth)} calls").click()
        page.wait_for_selector(f"text=imported {len(truth)} calls", timeout=120_000)
        body = page_text(page, f"{base}/calls?week=2")
        assert f"{len(truth)} calls came in" in body
        connected = 100 * truth["connected"].sum() / len(truth)
        assert f"{connected:.2f}".rstrip("0").rstrip(".") + "% connected" in body    # as the funnel table: 2 decimals
        assert "Compliance scorecard by publisher" in body      # (table cells are drawn on a canvas)
        assert not any(d in body for d in digits)
        browser.close()
