"""In Chromium against the served app: upload a real XLSX on /data, see the report, the preview, load it, see
the new value on /; and a CLI load (the scheduled job) while the app is served shows on the next rerun.

The server runs over a database path this test keeps (served_app(copy=False)), so a
`python -m loaders load` subprocess can write the very file the app reads.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.browser import page_text, served_app
from tests.browser import settle as settle_page
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def settle(page) -> str:
    """After the result of an action is on screen: the rerun has finished and replaced every element."""
    return settle_page(page)


@pytest.fixture(scope="module")
def served(plan_db, tmp_path_factory, chromium):
    """One server for this module (the tests run in file order: upload first, then the CLI job)."""
    db = tmp_path_factory.mktemp("browser_upload") / "dce.duckdb"
    shutil.copy(plan_db, db)
    with served_app(db, copy=False) as base:
        page = chromium.new_page(viewport={"width": 1440, "height": 2000})
        yield base, page, db
        page.close()


def test_upload_a_real_xlsx_see_report_and_preview_load_it_and_see_it_on_overview(served, tmp_path):
    base, page, db = served
    assert "55.4/100" in page_text(page, base)
    page_text(page, f"{base}/data")
    bad = tmp_path / "week2_bad.xlsx"
    bad.write_bytes(xlsx([["metric_id", "as_of", "value"], ["security_score", "2025-01-20", "eighty-five"]]))
    page.locator("input[type=file]").first.set_input_files(str(bad))
    page.wait_for_selector("text=was not loaded", timeout=120_000)
    body = settle(page)
    assert "week2_bad.xlsx" in body and "row 2" in body and "'eighty-five' is not a number" in body

    good = tmp_path / "week2.xlsx"
    good.write_bytes(xlsx([["metric_id", "as_of", "value"], ["security_score", "2025-01-20", 85]]))
    page.locator("input[type=file]").first.set_input_files(str(good))
    page.wait_for_selector("text=No problems found", timeout=120_000)
    body = settle(page)
    assert "week2.xlsx → table observations" in body and "Columns and inferred types" in body
    assert "holds 1 value on 2025-01-20 and replaces none loaded earlier" in body
    page.get_by_role("button", name="Load 1 rows into observations").click()
    page.wait_for_selector("text=batch 2: loaded 1 rows into observations from week2.xlsx", timeout=120_000)
    assert "60.4/100" in page_text(page, base)


@pytest.fixture
def served_after_week2(plan_db, tmp_path, chromium):
    """A server of its own over the plan with week2.xlsx (security_score 85 on 2025-01-20) loaded as batch 2,
    so the test does not depend on which other test ran before it, or on which worker."""
    from loaders import load
    db = tmp_path / "dce.duckdb"
    shutil.copy(plan_db, db)
    week2 = tmp_path / "week2.xlsx"
    week2.write_bytes(xlsx([["metric_id", "as_of", "value"], ["security_score", "2025-01-20", 85]]))
    assert load.load_file(week2, db=db).batch_id == 2
    with served_app(db, copy=False) as base:
        page = chromium.new_page(viewport={"width": 1440, "height": 2000})
        yield base, page, db
        page.close()


def test_a_one_day_correction_names_the_value_it_replaces_and_changes_only_that_day(served_after_week2, tmp_path):
    """After week2.xlsx (security_score 85 on 2025-01-20): a CSV correcting that one day."""
    base, page, db = served_after_week2
    page_text(page, f"{base}/data")
    fix = tmp_path / "fix_0120.csv"
    fix.write_text("metric_id,as_of,value\nsecurity_score,2025-01-20,88\n")
    page.locator("input[type=file]").first.set_input_files(str(fix))
    page.wait_for_selector("text=No problems found", timeout=120_000)
    body = settle(page)
    assert ("It replaces 1 value loaded earlier: security_score on 2025-01-20 (85 → 88) — from week2.xlsx "
            "(batch 2). Days the file does not contain are not touched") in body
    page.get_by_role("button", name="Load 1 rows into observations").click()
    page.wait_for_selector("text=batch 3: loaded 1 rows into observations from fix_0120.csv, replacing 1 value "
                           "loaded earlier", timeout=120_000)
    assert "Already loaded" not in settle(page)
    assert "61.1/100" in page_text(page, base)      # 55.35 + 0.25 × (88 − 65) = 61.1


def test_a_cli_load_while_the_app_is_served_shows_on_the_next_rerun(served, tmp_path):
    base, page, db = served
    assert "Executive overview" in page_text(page, base)
    f = tmp_path / "cron.csv"
    f.write_text("metric_id,as_of,value\nsecurity_score,2025-01-27,95\n")
    job = subprocess.Popen([sys.executable, "-m", "loaders", "load", str(f)], cwd=ROOT,
                           env={**os.environ, "DCE_DB": str(db)}, stdout=subprocess.PIPE, text=True)
    served_pages = 0
    while job.poll() is None:                            # the app answers while the job runs
        assert "Executive overview" in page_text(page, base)
        served_pages += 1
    assert job.returncode == 0 and "loaded 1 rows into observations from cron.csv" in job.stdout.read()
    assert "62.9/100" in page_text(page, base)         # 55.35 + 0.25 × (95 − 65): 2025-01-27 is the latest
    assert served_pages >= 1
