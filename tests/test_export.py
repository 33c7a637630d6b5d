"""Exports: CSV and XLSX bytes on the plan data (golden files), and an injection payload loaded
through the real loader coming out inert in both formats."""
from __future__ import annotations

import io
from datetime import date
import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from loaders import db as dbmod
from loaders import load, queries
from tests.conftest import ROOT
from transforms.export import EXCEL_MAX_ROWS, neutralise, safe_frame, sheet_name, to_csv_bytes, to_xlsx_bytes

GOLDEN = ROOT / "tests" / "golden"
PAYLOAD = '=HYPERLINK("http://x","y")'
GOLDEN_SHEETS = ("targets", "plan_alert_rules", "plan_contacts", "plan_cost_avoidance")


def test_text_cells_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "+1", "-5", "@SUM(A1)", "\tx", "\rx", "\nx", "ok", None],
                          "number": [-5, -1.5, 0, 1, 2, 3, 4, 5, None]})
    out = safe_frame(frame)
    assert list(out["text"][:7]) == ["'=1+1", "'+1", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "'\nx"]
    assert out["text"][7] == "ok" and pd.isna(out["text"][8])
    assert out["number"].dtype == float and out["number"][0] == -5      # a real negative stays a number
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "\n-5.0," not in text and ",-5.0\r\n" in text and "'-5," in text
    assert neutralise(-5) == -5 and neutralise("=x") == "'=x"


def test_sheet_names_are_valid_and_unique():
    taken = {"README"}
    assert sheet_name("a/b:c[d]", taken) == "a_b_c_d_"
    long = "x" * 40
    first = sheet_name(long, taken)
    taken.add(first)
    assert len(first) == 31 and sheet_name(long, taken) == "x" * 27 + " (2)"
    assert sheet_name("readme", taken) == "readme (2)"


def test_csv_bytes_on_the_plan_match_the_golden_file(plan_db):
    with dbmod.connect(plan_db) as con:
        data = to_csv_bytes(queries.targets(con))
    assert data == (GOLDEN / "targets.csv").read_bytes()


def _cells(workbook: bytes, sheets=GOLDEN_SHEETS) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(workbook))
    return {name: [list(row) for row in wb[name].iter_rows(values_only=True)] for name in sheets}


def test_xlsx_cell_values_on_the_plan_match_the_golden_file(plan_db):
    with dbmod.connect(plan_db) as con:
        tables = {name: frame for name, (frame, _) in queries.export_tables(con, EXCEL_MAX_ROWS - 1).items()}
    book = to_xlsx_bytes(tables, {"data as of": "2025-01-12"})
    wb = openpyxl.load_workbook(io.BytesIO(book))
    assert wb.sheetnames[0] == "README" and {"observations", "metrics", "batches"} <= set(wb.sheetnames)
    cells = json.loads(json.dumps(_cells(book), default=str))
    assert cells == json.loads((GOLDEN / "workbook_cells.json").read_text(encoding="utf-8"))


def test_an_oversized_table_is_cut_at_the_excel_limit_with_a_note(monkeypatch):
    import transforms.export as export
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 4)
    book = export.to_xlsx_bytes({"big": pd.DataFrame({"n": range(10)})}, {"data as of": "x"})
    wb = openpyxl.load_workbook(io.BytesIO(book))
    assert [r[0] for r in wb["big"].iter_rows(values_only=True)] == ["n", 0, 1, 2]
    readme = dict(wb["README"].iter_rows(values_only=True))
    assert "cut to the first 3 of 10 rows" in readme["note: big"]


@pytest.fixture
def injected(db, tmp_path):
    """A real upload whose file name (what the browser sends) is a formula."""
    path = tmp_path / "upload.csv"
    path.write_text("metric_id,as_of,value\nsecurity_score,2025-01-20,70\n", encoding="utf-8")
    result = load.load_file(path, display_name=PAYLOAD, db=db)
    assert not result.noop
    return db


def test_an_injection_payload_from_a_real_load_is_inert_in_csv(injected):
    with dbmod.connect(injected) as con:
        batches = queries.batches(con)
    assert PAYLOAD in set(batches["file_name"])         # stored as the user sent it
    text = to_csv_bytes(batches).decode("utf-8-sig")
    assert "'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")" in text
    assert ",=HYPERLINK" not in text and "\n=HYPERLINK" not in text


def test_an_injection_payload_from_a_real_load_is_inert_in_the_workbook(injected):
    from ui.export import _workbook
    book = _workbook(dbmod.data_version(injected))
    wb = openpyxl.load_workbook(io.BytesIO(book))
    cells = [c for row in wb["batches"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + PAYLOAD for c in cells)
    readme = dict(wb["README"].iter_rows(values_only=True))
    assert PAYLOAD in readme["live batches"] and readme["data as of"].date() == date(2025, 1, 20)
    assert readme["as of plan week"] == 2 and "KPIs week 2" in wb.sheetnames
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml              # not one formula anywhere
