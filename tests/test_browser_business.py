"""In Chromium: drag a what-if slider with the keyboard and watch the annual total and the verdict change."""
from __future__ import annotations

import os

import pytest

from tests.browser import CHROMIUM, launch_chromium

pytestmark = pytest.mark.browser
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")
def test_keyboard_drag_of_a_slider_changes_the_annual_total(plan_app):
    """The sliders write nothing to the database (saving a scenario is another test): the shared app serves it."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    url = plan_app
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{url}/business", wait_until="domcontentloaded")
        page.wait_for_selector(IDLE, timeout=90_000)
        annual = page.locator("[data-testid='stMetric']").filter(has_text="Annual revenue") \
            .locator("[data-testid='stMetricValue']")
        annual.wait_for(timeout=60_000)
        assert annual.inner_text() == "$13.9M"
        title = page.locator("h1").first.inner_text()

        thumb = page.locator("[data-testid='stSlider']").filter(has_text="Risk avoidance (TCPA fines)") \
            .get_by_role("slider")
        thumb.focus()
        for _ in range(4):                       # 4 × 5% steps down: the $5M stream at 80%
            page.keyboard.press("ArrowLeft")
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stMetric']\")].some("
            "m => m.innerText.includes('Annual revenue') && m.innerText.includes('$12.9M'))", timeout=120_000)
        assert annual.inner_text() == "$12.9M"                   # 13.9M − 20% × 5.0M
        assert "$200K above the plan's $6.8M–$12.7M" in page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text="This scenario lands at").first.inner_text()

        for _ in range(6):
            page.keyboard.press("ArrowRight")   # back up past the plan: 110%
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stMetric']\")].some("
            "m => m.innerText.includes('Annual revenue') && m.innerText.includes('$14.4M'))", timeout=120_000)
        assert page.locator("h1").first.inner_text() == title
        assert "$1.7M above" in page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text="This scenario lands at").first.inner_text()
        browser.close()
