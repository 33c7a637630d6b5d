"""In Chromium: download the weekly report, a table's CSV and an XLSX template from the served app, and read them."""
from __future__ import annotations

import io
import os

import pytest

from tests.browser import CHROMIUM, DONE, launch_chromium
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(plan_app):
    return plan_app          # downloads only read: the session's shared server


@pytest.fixture(scope="module")
def page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, accept_downloads=True)
        yield page
        browser.close()


def _open(page, url):
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(DONE, timeout=120000)


def test_download_the_executive_report_as_markdown(page, app_url, tmp_path):
    _open(page, app_url + "/reports")
    with page.expect_download(timeout=120_000) as info:
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
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "contacts_week0.csv"     # tables are named with their as-of week
    path = tmp_path / "contacts.csv"
    download.save_as(path)
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "Role,Group,Responsibility" and "Legal Counsel,executive" in text


def test_download_an_xlsx_template_from_data(page, app_url, tmp_path):
    """Templates are built when clicked (a deferred download), not on every rerun."""
    import openpyxl
    _open(page, app_url + "/data")
    page.get_by_text("Templates: the expected shape").click()
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="XLSX").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith("_template.xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header and all(header), header
