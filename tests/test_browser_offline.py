"""Self-contained: every page, opened in Chromium, requests nothing from outside the machine."""
from __future__ import annotations

import pytest

from tests.browser import launch_chromium, page_text

playwright = pytest.importorskip("playwright.sync_api")

PAGES = ["", "phases", "business", "technical", "security", "teams", "alerts", "reports", "data", "metric", "calls"]
CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
                         .every(c => c.querySelector('.main-svg'))"""
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


@pytest.mark.browser
def test_no_request_leaves_the_machine_on_any_page(sample_app):
    outside, base = [], sample_app
    with playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(LOCAL) else None)
        for path in PAGES:
            text = page_text(page, f"{base}/{path}")
            assert "Traceback" not in text, path
            page.wait_for_function(CHARTS_DRAWN)        # the lazily loaded chart bundle has arrived and run
        icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
        browser.close()
    assert outside == []
    assert icon and all(h.startswith(LOCAL) for h in icon)
