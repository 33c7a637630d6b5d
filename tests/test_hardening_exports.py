"""No live formula by any export route, proven in LibreOffice Calc cell by cell (issue 17, items 1 and 2).

Hostile text reaches the exports as a user would put it there: file names of real loads, cells of a
refused Parquet upload, scenario names, registry labels. Every route is opened in headless Calc with
its default import (which evaluates formulas): the CSV buttons of the pages (the load history through
the served page in Chromium; problems and scenarios as the page builds them), the XLSX workbook, and the
weekly reports (HTML through Calc's HTML import; Markdown table cells checked as text). The table
toolbar's own "Download as CSV" is hidden (tests/test_hardening_markup.py checks it in Chromium).

Seen before: CSV was written with LF line endings, so a field holding a bare CR went out unquoted and
Calc ended the record there: '\\r=1+2' as an upload's name showed 3 in the load history CSV, a Parquet
cell 'security_score\\r=1+2' showed 3 in "All problems (CSV)", and the report's HTML ran '=1+2'.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders import db as dbmod
from loaders import load
from loaders import scenarios as store
from tests.calc import SOFFICE, column, first, formulas, open_in_calc
from tests.conftest import report_inputs
from transforms import report
from transforms import scenarios as sc
from transforms.export import neutralise, to_csv_bytes
from ui import upload

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

AT_START = ["=1+2", "+1+2", "-1+2", "@SUM(1+2)", "\t=1+2", "\r=1+2", "\n=1+2"]
HOSTILE = AT_START + ["x\r" + h for h in AT_START]          # ... and after a carriage return


def in_calc(text: str) -> str:
    """The cell Calc shows for exported text: the guard's quote before a dangerous start, the whole value in
    one cell (Calc reads a CR inside a quoted field as a line feed)."""
    return neutralise(text).replace("\r\n", "\n").replace("\r", "\n")


def observations_csv(path: Path, day: int) -> Path:
    path.write_text(f"metric_id,as_of,value\nsecurity_score,2025-02-{day:02d},{50 + day}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_db(plan_db, tmp_path_factory) -> Path:
    """The plan database with one real load per hostile string, each named by it (as a browser sends it)."""
    path = tmp_path_factory.mktemp("hostile") / "dce.duckdb"
    shutil.copy(plan_db, path)
    for i, name in enumerate(HOSTILE):
        f = observations_csv(path.parent / f"f{i}.csv", i + 1)
        assert not load.load_file(f, display_name=name, db=path).noop
    return path


def test_a_hostile_string_is_really_hostile_without_the_guard(tmp_path):
    """The oracle: the same cells written the way the old export wrote them (LF records) do run in Calc."""
    old = tmp_path / "old.csv"
    old.write_bytes(pd.DataFrame({"file": HOSTILE}).to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))
    assert formulas(open_in_calc([old])[old])


def test_the_load_history_csv_button_of_the_served_page_is_inert_in_calc(hostile_db, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser import launch_chromium, page_text, served_app
    with served_app(hostile_db) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 2000})
        page_text(page, f"{base}/data")
        with page.expect_download(timeout=120_000) as download:
            page.locator(".st-key-csv_load_history").get_by_role("button").first.click()
        path = tmp_path / "load_history.csv"
        download.value.save_as(path)
        browser.close()
    book = open_in_calc([path])[path]
    rows = first(book)
    assert formulas(book) == []
    assert len(rows) == 1 + len(HOSTILE) + 1                       # header, the hostile loads, the plan
    assert column(rows, "file") == [in_calc(h) for h in reversed(HOSTILE)] + ["data/plan"]


def test_all_problems_csv_of_a_hostile_parquet_upload_is_inert_in_calc(db, tmp_path):
    source = tmp_path / "hostile.parquet"
    pq.write_table(pa.table({"metric_id": ["security_score\r=1+2", *HOSTILE],
                             "as_of": ["2025-01-20"] * (len(HOSTILE) + 1),
                             "value": [1.0] * (len(HOSTILE) + 1)}), source)
    prepared = load.prepare(source, db=db)
    frame = upload.problem_frame(prepared.validated.problems)   # what the page's "All problems (CSV)" writes
    # the values the validator names in its problems (it strips a value's surrounding whitespace first)
    assert {"security_score\r=1+2", "=1+2", "+1+2", "-1+2", "@SUM(1+2)", *HOSTILE[len(AT_START):]} <= set(frame["value"])
    path = tmp_path / "problems.csv"
    path.write_bytes(to_csv_bytes(frame))
    book = open_in_calc([path])[path]
    assert formulas(book) == []
    rows = first(book)
    assert column(rows, "value") == [in_calc(v) for v in frame["value"]]
    assert column(rows, "reason") == [in_calc(r) for r in frame["reason"]]


def test_the_scenarios_csv_is_inert_in_calc(db, tmp_path):
    names = ["=1+2", "+1+2", "-1+2", "@SUM(1+2)", "x =1+2"]    # a name's whitespace is collapsed when saved
    for name in names:
        store.save(name, {"lever": 1.0}, {"annual_total": 1.0}, db=db)
    path = tmp_path / "scenarios.csv"
    path.write_bytes(to_csv_bytes(sc.flat(store.saved(db=db))))
    book = open_in_calc([path])[path]
    assert formulas(book) == []
    assert sorted(column(first(book), "name")) == sorted(in_calc(n) for n in names)


def test_the_xlsx_workbook_is_inert_in_calc(hostile_db, tmp_path, monkeypatch):
    from ui.export import _workbook
    monkeypatch.setenv("DCE_DB", str(hostile_db))
    path = tmp_path / "workbook.xlsx"
    path.write_bytes(_workbook(dbmod.data_version(hostile_db)))
    book = open_in_calc([path])[path]
    assert formulas(book) == []
    names = column(book["batches"], "file_name")
    assert sorted(n for n in names if n != "data/plan") == sorted(in_calc(h) for h in HOSTILE)


@pytest.fixture
def hostile_labels(sample_db_path, tmp_path, monkeypatch) -> Path:
    """The sample database with every metric's and target's label made hostile (#i keeps them apart)."""
    path = tmp_path / "dce.duckdb"
    shutil.copy(sample_db_path, path)
    with duckdb.connect(str(path)) as con:
        for table, key in (("metrics", "metric_id"), ("targets", "target_id")):
            keys = [r[0] for r in con.execute(f"SELECT {key} FROM {table} ORDER BY {key}").fetchall()]
            for i, k in enumerate(keys):
                con.execute(f"UPDATE {table} SET label = ? WHERE {key} = ?", [f"{HOSTILE[i % len(HOSTILE)]} #{i}", k])
    monkeypatch.setenv("DCE_DB", str(path))
    return path


@pytest.mark.parametrize("kind", report.KINDS)
def test_the_weekly_reports_are_inert_in_calc(hostile_labels, tmp_path, kind):
    built = report.build(kind, report_inputs(12))
    html_path = tmp_path / f"{kind}.html"
    html_path.write_text(report.to_html(built), encoding="utf-8")
    book = open_in_calc([html_path], html=True)[html_path]
    assert formulas(book) == []
    labelled = [c.value for row in first(book) for c in row if isinstance(c.value, str) and " #" in c.value]
    assert labelled, "no hostile label reached the report: the test would prove nothing"
    assert not [v for v in labelled if v.lstrip()[:1] in ("=", "+", "-", "@")]
    cells = [cell.strip() for line in report.to_markdown(built).splitlines() if line.startswith("|")
             for cell in line.strip("|").split(" | ")]
    marked = [c for c in cells if " #" in c]
    assert marked or kind == "technical"          # the technical report names labels in lists only
    assert all(c[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n") for c in marked)
