"""In Chromium: download the weekly report and a table's CSV from the served app, and read them."""
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
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def _served(db_path):
    """`streamlit run app.py` on a free port with DCE_DB pointing at db_path (tests/browser.py when it exists)."""
    try:
        from tests.browser import served_app      # the shared helper
        with served_app(db_path, timeout_s=120) as url:
            yield url
        return
    except ImportError:
        pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DCE_DB=str(db_path))
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120   # a busy machine starts slowly
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
        proc.wait(10)


@pytest.fixture(scope="module")
def app_url(plan_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "dce.duckdb"
    shutil.copy(plan_db, path)
    with _served(path) as url:
        yield url


@pytest.fixture(scope="module")
def page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("no Chromium at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, accept_downloads=True)
        yield page
        browser.close()


def _open(page, url):
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120000)


def test_download_the_executive_report_as_markdown(page, app_url, tmp_path):
    _open(page, app_url + "/reports")
    with page.expect_download(timeout=30000) as info:
        page.get_by_role("button", name="⬇ Markdown").click()
    download = info.value
    assert download.suggested_filename == "dce-executive-report-week-00.md"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_text(encoding="utf-8") == (ROOT / "tests" / "golden" / "report_executive_week00.md").read_text(
        encoding="utf-8")


def test_download_the_contacts_table_as_csv_from_alerts(page, app_url, tmp_path):
    _open(page, app_url + "/alerts")
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="CSV").last
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=30000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "contacts.csv"
    path = tmp_path / "contacts.csv"
    download.save_as(path)
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "Role,Group,Responsibility" and "Legal Counsel,executive" in text
