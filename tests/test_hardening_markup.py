"""User text is text: file names, cell values and scenario names never render as Markdown, and the table
toolbar offers no raw CSV download (issue 17, items 2 and 3).

Seen before: a file name holding `![x](http://host/x.png)` made every browser that showed it fetch the image,
the next user's included (file names are stored and quoted in later messages), and links in names were
clickable; "Download as CSV" in st.dataframe's toolbar wrote cells raw.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders import load
from tests.apptest import run_page
from tests.conftest import ROOT, shown

HOST = "attacker.invalid"
STORED = f"![x](http://{HOST}/x.png) [click](https://{HOST}/) www.{HOST} me@{HOST}"
UPLOADED = f"![y](http:{HOST}) see http:{HOST}.csv"          # a browser's file name cannot hold '/'
ROW = b"metric_id,as_of,value\nsecurity_score,2025-01-20,%d\n"


def rendered(at: AppTest) -> list[str]:
    """Every piece of Markdown the page rendered, labels included, as written by the app."""
    texts = [e.value for kind in ("markdown", "error", "info", "success", "warning", "caption") for e in at.get(kind)]
    return texts + [w.label for w in list(at.selectbox) + list(at.checkbox) + list(at.button)]


def test_names_and_values_on_data_are_escaped_wherever_they_are_rendered(db, tmp_path):
    first = tmp_path / "first.csv"
    first.write_bytes(ROW % 70)
    load.load_file(first, display_name=STORED, db=db)        # stored: later messages quote it
    at = run_page("data")
    at.file_uploader(key="upload_file").set_value((UPLOADED, ROW % 71, "text/csv")).run()
    texts = rendered(at)
    assert any(UPLOADED in shown(t) for t in texts) and any(STORED in shown(t) for t in texts)
    for text in texts:
        assert "![" not in text and "](" not in text and f"http:{HOST}" not in text and f"www.{HOST}" not in text


def test_a_scenario_name_is_shown_as_text(db):
    at = run_page("business")
    name = f"![x](http://{HOST}/x.png)"                    # names are at most 80 characters
    at.text_input(key="biz_name").set_value(name)
    next(b for b in at.button if b.label == "Save scenario").click().run()
    assert not at.exception
    saved = [s.value for s in at.success if "Saved" in s.value]
    assert saved and name in shown(saved[0]) and "![" not in saved[0]


playwright = pytest.importorskip("playwright.sync_api")
browser_only = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium not found")


@pytest.fixture
def served_with_a_stored_name(db, tmp_path):
    from tests.browser import launch_chromium, served_app
    first = tmp_path / "first.csv"
    first.write_bytes(ROW % 70)
    load.load_file(first, display_name=STORED, db=db)
    with served_app(db) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 2000})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        yield base, page, requested
        browser.close()


@browser_only
@pytest.mark.browser
def test_a_markdown_file_name_renders_as_text_and_the_page_requests_nothing_from_it(served_with_a_stored_name):
    from tests.browser import page_text, settle
    base, page, requested = served_with_a_stored_name
    page_text(page, f"{base}/data")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": UPLOADED, "mimeType": "text/csv", "buffer": ROW % 71}])
    page.wait_for_selector("text=No problems found", timeout=120_000)
    settle(page)                                               # that rerun has finished and replaced every element
    main = page.locator("[data-testid='stMain']")
    text = main.inner_text().replace("\u2060", "")
    assert UPLOADED in text and STORED in text                # the names, as they were written
    assert [u for u in requested if HOST in u] == []           # nothing fetched, for the uploader or the next user
    assert main.locator(f"img[src*='{HOST}']").count() == 0
    assert main.locator(f"a[href*='{HOST}']").count() == 0


@browser_only
@pytest.mark.browser
def test_the_table_toolbar_offers_no_raw_csv_download(served_with_a_stored_name):
    from tests.browser import page_text
    base, page, _ = served_with_a_stored_name
    page_text(page, f"{base}/data")
    tables = page.locator("[data-testid='stDataFrame']")      # long tables (freshness) are grids; short ones static
    tables.first.wait_for(timeout=60_000)
    for i in range(tables.count()):
        tables.nth(i).hover()
        toolbar = page.locator("[data-testid='stElementToolbar'] button")
        toolbar.first.wait_for(timeout=10_000)
        labels = {b.get_attribute("aria-label") for b in toolbar.all()}
        assert "Search" in labels                                  # the toolbar is there ...
        assert "Download as CSV" not in labels                     # ... without the raw download
