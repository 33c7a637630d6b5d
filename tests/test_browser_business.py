"""In Chromium: drag a what-if slider with the keyboard and watch the annual total and the verdict change."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serve(db_path):
    """`streamlit run app.py` on a free port against a private database copy (until tests/browser.py exists)."""
    port = _free_port()
    env = {**os.environ, "DCE_DB": str(db_path)}
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the app did not start")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")
def test_keyboard_drag_of_a_slider_changes_the_annual_total(plan_db, tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    db = tmp_path / "dce.duckdb"
    shutil.copy(plan_db, db)
    with _serve(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
            "m => m.innerText.includes('Annual revenue') && m.innerText.includes('$12.9M'))", timeout=30_000)
        assert annual.inner_text() == "$12.9M"                   # 13.9M − 20% × 5.0M
        assert "$200K above the plan's $6.8M–$12.7M" in page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text="This scenario lands at").first.inner_text()

        for _ in range(6):
            page.keyboard.press("ArrowRight")   # back up past the plan: 110%
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stMetric']\")].some("
            "m => m.innerText.includes('Annual revenue') && m.innerText.includes('$14.4M'))", timeout=30_000)
        assert page.locator("h1").first.inner_text() == title
        assert "$1.7M above" in page.locator("[data-testid='stMarkdownContainer']").filter(
            has_text="This scenario lands at").first.inner_text()
        browser.close()
