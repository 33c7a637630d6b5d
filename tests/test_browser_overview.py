"""The served app in headless Chromium: `/` shows the computed health score and flags the stated one."""
import pytest
from playwright.sync_api import sync_playwright

from tests.browser import launch_chromium, page_text, served_app

pytestmark = pytest.mark.browser


def test_overview_in_chromium_shows_computed_55_4_and_flags_73(plan_db):
    with served_app(plan_db) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        text = page_text(page, f"{base}/")
        browser.close()
    assert "55.4 / 100" in text
    assert "73 / 100" in text and "inconsistent" in text
    assert "do not support" in text
    assert "76.55" in text and "87.35" in text and "95.70" in text
