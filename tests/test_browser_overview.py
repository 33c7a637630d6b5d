"""The served app in headless Chromium: `/` shows the computed health score and flags the stated one."""
import pytest
from playwright.sync_api import sync_playwright

from tests.browser import launch_chromium, page_text, served_app

pytestmark = pytest.mark.browser


def test_overview_in_chromium_shows_computed_55_4_and_flags_73(plan_app):
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        text = page_text(page, f"{plan_app}/")
        browser.close()
    assert "55.4/100" in text
    assert "The plan states 73 for week 0" in text and "they give 55.35" in text
    assert "do not support" in text
    assert "76.55" in text and "87.35" in text and "95.70" in text


def test_a_bookmarked_page_opened_first_after_a_restart_gets_the_apps_navigation(plan_db):
    """Streamlit's legacy pages/ mode must not take over a fresh server's first run (see ui/__init__.py):
    this test needs a server of its own, whose first page is the bookmarked one."""
    with served_app(plan_db) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        text = page_text(page, f"{base}/security")
        nav = page.inner_text("[data-testid='stSidebarNav']")
        browser.close()
    assert "Security & compliance" in nav and "Executive overview" in nav
    assert "9.5" in text
