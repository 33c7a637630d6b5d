"""The exported workbook and CSVs are data: real numbers and dates, KPIs as of the week, readable sheets.

The spreadsheet checks open the files in LibreOffice (headless), as an analyst's spreadsheet would."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loaders import access
from loaders import db as dbmod
from loaders import scenarios as store

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc) is not installed")


@pytest.fixture
def sample_db(sample_db_path, tmp_path, monkeypatch):
    path = tmp_path / "dce.duckdb"
    shutil.copy(sample_db_path, path)
    monkeypatch.setenv("DCE_DB", str(path))
    return path


def workbook(db: Path, week: int | None) -> bytes:
    import streamlit as st
    from ui.export import _workbook
    st.cache_data.clear()
    st.cache_resource.clear()
    return _workbook(dbmod.data_version(db), week)


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_kpi_sheet_holds_the_values_and_statuses_as_of_the_week(sample_db):
    import duckdb
    wb = openpyxl.load_workbook(io.BytesIO(workbook(sample_db, 5)))
    assert wb.sheetnames[:3] == ["README", "Headlines week 5", "KPIs week 5"]
    kpis = sheet_frame(wb["KPIs week 5"]).set_index("metric_id")
    # independently: the newest live observation of security_score on or before the end of week 5 (16 Feb 2025)
    with duckdb.connect(str(sample_db), read_only=True) as con:
        expected = con.execute("""SELECT value FROM observations WHERE metric_id = 'security_score'
            AND as_of <= DATE '2025-02-16' ORDER BY as_of DESC, batch_id DESC LIMIT 1""").fetchone()[0]
    security = kpis.loc["security_score"]
    assert security["Current"] == pytest.approx(expected) and security["Unit"] == "score /100"
    assert security["Status"] in {"Met", "Partial", "Not met", "No data"}
    assert isinstance(security["As of"], datetime) and security["As of"].date() <= date(2025, 2, 16)
    assert security["Target value"] == 90          # at week 5 the week-4 target (80) is past: week 8's is in force
    readme = dict(wb["README"].iter_rows(values_only=True))
    assert readme["as of plan week"] == 5 and readme["figures as of"].date() == date(2025, 2, 16)


def test_stored_sheets_are_readable_dates_labels_filters_and_scenarios_as_columns(sample_db):
    store.save("Cautious", {"mult_new_customers": 80.0, "investment": 500_000.0}, {"annual_total": 9e6},
               actor=access.operator("tester"), db=sample_db)
    wb = openpyxl.load_workbook(io.BytesIO(workbook(sample_db, None)))
    obs = wb["observations"]
    header = [c.value for c in obs[1]]
    assert header[:3] == ["metric_id", "label", "unit"]
    first = [c for c in obs[2]]
    as_of = first[header.index("as_of")]
    assert as_of.is_date and as_of.number_format == "yyyy-mm-dd"
    assert obs.auto_filter.ref and obs.auto_filter.ref.startswith("A1:") and obs.freeze_panes == "A2"
    assert obs.column_dimensions["B"].width >= 20                  # labels are long; not a default 8.43
    scen = sheet_frame(wb["scenarios"])
    assert {"name", "mult_new_customers", "investment", "annual_total"} <= set(scen.columns)
    assert "levers_json" not in scen.columns
    row = scen.set_index("name").loc["Cautious"]
    assert row["investment"] == 500_000 and row["annual_total"] == 9e6


def _through_libreoffice(path: Path, out_dir: Path, to: str = "xlsx") -> Path:
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{out_dir}/profile",
                    "--convert-to", to, "--outdir", str(out_dir), str(path)], check=True, capture_output=True,
                   timeout=180)
    return out_dir / (path.stem + "." + to)


@needs_office
def test_a_page_csv_opens_in_libreoffice_with_numbers_as_numbers(sample_db, tmp_path):
    import streamlit as st
    from transforms import model, pace
    from ui import data as ui_data
    st.cache_data.clear()
    data = ui_data.plan_data(8)
    rows = pace.pace(model.target_rows(data, "sla"), ui_data.trend_inputs(data), data.as_of, data.start)
    from transforms.technical import sla_table
    from transforms.export import to_csv_bytes
    csv = tmp_path / "sla.csv"
    csv.write_bytes(to_csv_bytes(sla_table(rows).export()))
    book = openpyxl.load_workbook(_through_libreoffice(csv, tmp_path))
    ws = book.active
    header = [c.value for c in ws[1]]
    current = header.index("Current")
    values = [r[current] for r in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in values if c.value is not None)
    assert [c.value for c in values if c.value is not None] == pytest.approx(list(rows["value"].dropna()))


@needs_office
def test_the_workbook_opens_in_libreoffice_with_dates_as_dates_and_no_formula(sample_db, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook(sample_db, 12))
    (tmp_path / "lo").mkdir()
    again = openpyxl.load_workbook(_through_libreoffice(path, tmp_path / "lo"))
    obs = again["observations"]
    header = [c.value for c in obs[1]]
    cell = obs.cell(row=2, column=header.index("as_of") + 1)
    assert cell.is_date
    value = obs.cell(row=2, column=header.index("value") + 1)
    assert value.data_type == "n"
    formulas = {c.value for ws in again.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert formulas <= {"=TRUE()", "=FALSE()"}      # LibreOffice stores booleans so; nothing else computes
