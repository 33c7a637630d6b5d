"""The /data page under AppTest: templates, upload → report or preview → Load, replace by key, no-op, undo."""
from __future__ import annotations

import hashlib
from datetime import date
import io
from pathlib import Path

import duckdb
import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders import load, schema, templates
from loaders.errors import LoadError
from tests.apptest import run_page, tables
from tests.conftest import ROOT, data_files, shown
from tests.conftest import TEST_DATA as DATA
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page() -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=60).run()


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="upload_file").set_value((name, content, mime))
    return at.run()


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [i.value for i in at.info] \
        + [s.value for s in at.success] + [w.value for w in at.warning] + [c.value for c in at.caption]
    return "\n".join(shown(p) for p in parts)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def live(db: Path, metric_id: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT arg_max(value, as_of) FROM observations WHERE metric_id = ?",
                           [metric_id]).fetchone()[0]
    finally:
        con.close()


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def overview_score() -> str:
    at = run_page("overview")
    return at.metric[0].value


# ---- templates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", [t.name for t in schema.UPLOADABLE])
def test_templates_hold_no_data_row_and_the_columns_sheet_example_validates(db, tmp_path, table):
    """A template is the header only (a kept example row would load as a real figure); the example lives in
    the XLSX's columns sheet, and that example, put under the header, loads without a problem."""
    t = schema.TABLES[table]
    for name, content in ((f"{table}.csv", templates.csv_bytes(t)), (f"{table}.xlsx", templates.xlsx_bytes(t))):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(LoadError, match="no data rows"):
            load.prepare(tmp_path / name, db=db)
    book = openpyxl.load_workbook(io.BytesIO(templates.xlsx_bytes(t)))
    assert book.sheetnames == [table, "columns"]
    assert book[table].max_row == 1 and [c.value for c in book[table][1]] == t.column_names
    rows = list(book["columns"].iter_rows(values_only=True))
    assert rows[0] == ("column", "type", "required", "example", "what to put in it")
    assert [r[0] for r in rows[1:]] == t.column_names
    example = tmp_path / f"{table}_example.csv"
    example.write_text(",".join(t.column_names) + "\n" + ",".join(f'"{r[3]}"' for r in rows[1:]) + "\n")
    prepared = load.prepare(example, db=db)
    assert prepared.ok and prepared.table.name == table and len(prepared.frame) == 1, prepared.validated.problems


def test_the_json_example_is_refused_until_its_date_is_filled_in_then_loads(db, tmp_path):
    f = tmp_path / templates.JSON_EXAMPLE_NAME
    f.write_bytes(templates.json_example_bytes())
    prepared = load.prepare(f, db=db)
    assert {p.code for p in prepared.validated.problems} == {"not_a_date"}
    assert {p.value for p in prepared.validated.problems} == {"YYYY-MM-DD"}
    f.write_text(templates.json_example_bytes().decode().replace("YYYY-MM-DD", "2025-02-03"))
    prepared = load.prepare(f, db=db)
    assert prepared.ok, prepared.validated.problems
    values = dict(zip(prepared.frame["metric_id"], prepared.frame["value"]))
    assert values == {"security_score": 12, "critical_vulnerabilities": 3, "api_latency_p99_ms": 48.5,
                      "system_uptime_pct": pytest.approx(99.95), "revenue_pipeline_usd": 1_250_000,
                      "dnc_list_sync_status": 0, "velocity_security": 3, "test_coverage_unit_security": 35}


def test_the_page_offers_both_templates_for_every_uploadable_table(db):
    at = page()
    assert not at.exception
    names = {b.proto.label for b in at.get("download_button")}
    assert {"⬇ CSV", "⬇ XLSX"} <= names
    keys = {b.key for b in at.get("download_button")}
    for table in schema.UPLOADABLE:
        assert {f"tpl_csv_{table.name}", f"tpl_xlsx_{table.name}"} <= keys
    assert "tpl_json" in keys


# ---- refusal: report, nothing written ------------------------------------------------------------

def test_a_bad_file_gets_a_grouped_report_naming_row_column_value_and_nothing_is_written(db):
    rows = "".join(f"security_score,2025-01-{13 + i:02d},abc{i}\n" for i in range(6))
    content = ("metric_id,as_of,value\n" + rows + "no_such_metric,2025-01-20,1\n").encode()
    before = sha(db)
    at = upload(page(), "bad.csv", content)
    assert not at.exception
    message = shown(at.error[0].value)
    assert "bad.csv" in message and "7 problems" in message and "Nothing was written" in message
    groups = tables(at)[2]      # types, parsed rows, groups, problems
    assert list(groups["code"]) == ["not_a_number", "unknown_metric"]
    assert groups.iloc[0]["problems"] == 6 and groups.iloc[0]["first_rows"] == "2, 3, 4, 5, 6"
    assert groups.iloc[0]["example"] == "'abc0' is not a number" and "plain number" in groups.iloc[0]["fix"]
    problems = tables(at)[3]
    assert list(problems.iloc[0][["row", "column", "value", "code"]]) == [2, "value", "abc0", "not_a_number"]
    assert all(problems["how to fix"].str.len() > 0)
    assert not [b for b in at.button if b.key == "load"]
    assert sha(db) == before


def test_more_than_100_problems_shows_the_first_100_and_counts_the_rest(db):
    rows = "".join(f"security_score,2025-{1 + i // 28:02d}-{1 + i % 28:02d},x\n" for i in range(130))
    at = upload(page(), "many.csv", ("metric_id,as_of,value\n" + rows).encode())
    assert len(tables(at)[3]) == 100
    assert "30 more in the CSV" in text(at)


def test_an_unreadable_file_is_refused_with_its_name_and_no_traceback(db):
    before = sha(db)
    at = upload(page(), "empty.csv", b"")
    assert not at.exception
    assert "empty.csv" in shown(at.error[0].value) and "file is empty" in shown(at.error[0].value)
    assert sha(db) == before


def test_unknown_columns_ask_for_the_table_then_can_be_mapped(db):
    content = b"kpi,date,amount\nsecurity_score,2025-01-20,70\n"
    at = upload(page(), "renamed.csv", content)
    assert "cannot tell which table" in shown(at.error[0].value)
    at.selectbox(key="upload_table").set_value("observations").run()
    assert "unknown column" in text(at)
    at.selectbox(key="map_col_kpi").set_value("metric_id")
    at.selectbox(key="map_col_date").set_value("as_of")
    at.selectbox(key="map_col_amount").set_value("value").run()
    assert not at.error, [e.value for e in at.error]
    button(at, "load").click().run()
    assert not at.exception
    assert live(db, "security_score") == 70


# ---- the title-row-and-money workbook: the analyst maps what the report names --------------------

def test_title_row_money_workbook_loads_after_mapping_the_metric_ids(db):
    content = (DATA / "title_row_money.xlsx").read_bytes()
    before = sha(db)
    at = upload(page(), "title_row_money.xlsx", content, XLSX)
    assert "header found on row 3" in text(at)
    report = shown(at.error[0].value)
    assert "row 4" in report and "'metric_id'" in report and "'m1'" in report
    assert sha(db) == before
    at.selectbox(key="map_metric_m1").set_value("revenue_pipeline_usd")
    at.selectbox(key="map_metric_m2").set_value("concurrent_users").run()
    assert not at.error, [e.value for e in at.error]
    assert "2 days: 2025-01-13 – 2025-01-14" in text(at)
    button(at, "load").click().run()
    assert not at.exception
    assert live(db, "revenue_pipeline_usd") == 1_500_000          # '$1.5M' coerced
    assert live(db, "concurrent_users") == 2500
    assert any("batch 2" in shown(s.value) for s in at.success)


# ---- load, replace by key, no-op, undo -----------------------------------------------------------

def test_load_replace_by_key_noop_and_undo_restore_the_figures(db, tmp_path):
    assert overview_score() == "55.4/100"
    week = "metric_id,as_of,value\nsecurity_score,2025-01-13,80\nsecurity_score,2025-01-19,85\n"
    at = upload(page(), "week1.csv", week.encode())
    assert "holds 2 values on 2 days: 2025-01-13, 2025-01-19 and replaces none loaded earlier" in text(at)
    button(at, "load").click().run()
    assert any("batch 2: loaded 2 rows into observations from week1.csv" in shown(s.value) for s in at.success)
    assert live(db, "security_score") == 85
    assert overview_score() == "60.4/100"                       # 55.35 + 0.25 × (85 − 65)

    fixed = "metric_id,as_of,value\nsecurity_score,2025-01-13,81\nsecurity_score,2025-01-19,90\n"
    at = upload(page(), "week1_fixed.csv", fixed.encode())
    assert ("This file holds 2 values on 2 days: 2025-01-13, 2025-01-19. It replaces 2 values loaded earlier: "
            "security_score on 2025-01-13 (80 → 81); security_score on 2025-01-19 (85 → 90) — from week1.csv "
            "(batch 2). Days the file does not contain are not touched") in text(at)
    button(at, "load").click().run()
    assert live(db, "security_score") == 90

    before = sha(db)
    at = upload(page(), "week1_fixed_again.csv", fixed.encode())          # same bytes, another name
    assert "identical content was already loaded as batch 3 (week1_fixed.csv)" in text(at)
    assert not [b for b in at.button if b.key == "load"]                   # nothing to load
    (tmp_path / "again.csv").write_text(fixed)
    assert load.commit(load.prepare(tmp_path / "again.csv", db=db), db=db).noop
    assert sha(db) == before

    at = page()
    history = tables(at)[0]
    assert list(history["batch"])[:3] == [3, 2, 1] and list(history["rolled back"])[:2] == ["no", "no"]
    assert len(history["sha256"].iloc[0]) == 12 and list(history["kind"])[:3] == ["upload", "upload", "plan"]
    assert button(at, "undo").disabled                                      # confirmation first
    at.selectbox(key="undo_batch").set_value(3).run()
    at.checkbox(key="undo_confirm_3").check().run()
    button(at, "undo").click().run()
    assert any("rolled back batch 3" in shown(s.value) for s in at.success)
    assert live(db, "security_score") == 85                                # batch 2's rows are back
    at.selectbox(key="undo_batch").set_value(2).run()
    at.checkbox(key="undo_confirm_2").check().run()
    button(at, "undo").click().run()
    assert live(db, "security_score") == 65
    assert overview_score() == "55.4/100"
    history = tables(page())[0]
    assert history["rolled back"].iloc[0].startswith("yes")


def test_freshness_is_relative_to_the_latest_observation_not_the_clock(db, tmp_path):
    f = tmp_path / "late.csv"
    f.write_text("metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    load.load_file(f, db=db)
    at = page()
    fresh = next(d for d in tables(at) if "days behind latest" in d.columns)
    row = fresh[fresh["metric"] == "Security score"].iloc[0]
    assert row["status"] == "✓ fresh" and row["as of"] == "as of 2025-01-20 · batch 2"
    stale = fresh[fresh["metric"] == "Compliance score"].iloc[0]
    assert stale["status"] == "⚠️ stale" and stale["days behind latest"] == 8
    assert fresh.iloc[0]["status"] == "⚠️ stale"                           # stale rows first
    assert "The latest observation is from **20 Jan 2025**" in text(at)


def test_sample_and_export_widgets_are_placed(db):
    at = page()
    assert any(b.key == "sample_load_data" for b in at.button)
    assert any(b.key == "export_workbook" for b in at.get("download_button"))


# ---- every hostile file through the page ---------------------------------------------------------

def uploads_are_named_and_write_nothing(db, files) -> None:
    """One AppTest, each file uploaded in turn: a message naming it, no exception, no traceback, db unchanged."""
    before = sha(db)
    at = page()
    for path in files:
        at = upload(at, path.name, path.read_bytes(), "application/octet-stream")
        assert not at.exception, (path.name, [e.value for e in at.exception])
        shown = text(at)
        assert path.name in shown and "Traceback" not in shown, (path.name, shown[:500])
    assert sha(db) == before


def test_every_hostile_file_through_the_page_is_named_and_writes_nothing(db):
    uploads_are_named_and_write_nothing(db, data_files())


def test_load_error_from_commit_is_reported_not_raised(db, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise LoadError(load.Problem("x.csv", "disk full"))
    at = upload(page(), "ok.csv", b"metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    monkeypatch.setattr(load, "_commit", broken)
    button(at, "load").click().run()
    assert not at.exception
    assert any("disk full" in shown(e.value) for e in at.error)


# ---- numbers as analysts type them, and the '12%' policy -------------------------------------------

def test_money_thousands_and_percent_are_accepted_where_they_make_sense(db, tmp_path):
    f = tmp_path / "typed.csv"
    f.write_text('metric_id,as_of,value\nrevenue_pipeline_usd,2025-01-20,$1.5M\nconcurrent_users,2025-01-20,"1,500"\n'
                 "consent_coverage_pct,2025-01-20,12%\nsecurity_score,2025-01-20,70%\n")
    prepared = load.prepare(f, db=db)
    assert prepared.ok, prepared.validated.problems
    assert list(prepared.frame["value"]) == [1_500_000, 1500, 12, 70]


@pytest.mark.parametrize("text, column, reason", [
    ("metric_id,as_of,value\napi_latency_p99_ms,2025-01-20,12%\n", "value", "measured in ms"),
    ("date,revenue_pipeline_amount\n2025-01-20,12%\n", "revenue_pipeline_amount", "not a percent column"),
])
def test_a_percent_sign_where_no_percent_belongs_is_refused(db, tmp_path, text, column, reason):
    f = tmp_path / "pct.csv"
    f.write_text(text)
    problems = load.prepare(f, db=db).validated.problems
    assert [(p.row, p.column) for p in problems] == [(2, column)] and reason in problems[0].reason


def test_a_fraction_column_reads_a_percent_as_a_fraction(db, tmp_path):
    f = tmp_path / "uptime.csv"
    f.write_text("date,uptime_percentage\n2025-01-20,99.95%\n")
    prepared = load.prepare(f, db=db)
    assert prepared.ok and prepared.frame["uptime_percentage"].iloc[0] == pytest.approx(0.9995)


def test_busy_database_on_load_says_busy_retry(db, monkeypatch):
    from loaders.errors import BusyError

    def busy(*args, **kwargs):
        raise BusyError("the database dce.duckdb is busy (another process is writing to it)")
    at = upload(page(), "ok.csv", b"metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    monkeypatch.setattr(load, "_commit", busy)
    button(at, "load").click().run()
    assert not at.exception and any("Busy, retry" in shown(w.value) for w in at.warning)


# ---- issue 12: the success replaces the notice; one-pass reports; remove days ---------------------

def test_after_a_load_the_success_message_replaces_the_already_loaded_notice(db, tmp_path):
    f = tmp_path / "week1.csv"
    f.write_text("metric_id,as_of,value\ncompliance_score,2025-01-13,41\n")
    load.load_file(f, db=db)
    at = page()
    assert at.selectbox(key="undo_batch").value == 2
    at = upload(at, "week2.csv", b"metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    assert any("holds 1 value on 2025-01-20 and replaces none loaded earlier" in shown(s.value) for s in at.success)
    button(at, "load").click().run()
    assert not at.exception
    assert [shown(s.value) for s in at.success] == ["batch 3: loaded 1 rows into observations from week2.csv"]
    assert not [i.value for i in at.info if "Already loaded" in shown(i.value)]
    assert not [b for b in at.button if b.key == "load"]
    assert at.selectbox(key="undo_batch").value == 3                  # the batch just loaded is the one offered
    assert live(db, "security_score") == 70


def test_a_misspelt_header_and_bad_cells_are_reported_together_with_did_you_mean_and_the_parsed_rows(db):
    content = b"date,securty_score,compliance_score\n2025-01-20,70,4x\n2025-01-21,71,n/a\n"
    at = upload(page(), "typo.csv", content)
    assert not at.exception
    assert "3 problems found" in shown(at.error[0].value) and "did you mean security_score?" in shown(at.error[0].value)
    assert "typo.csv** → table **metrics_daily** (detected from its columns): 2 rows" in text(at)
    parsed = tables(at)[1]
    assert len(parsed) == 2 and list(parsed["date"].astype(str)) == ["2025-01-20", "2025-01-21"]
    problems = tables(at)[3]
    assert list(problems["code"]) == ["unknown_column", "not_a_number", "placeholder_value"]
    assert any("(did you mean security_score?)" in shown(s.label) for s in at.selectbox)
    at.selectbox(key="map_col_securty_score").set_value("security_score").run()
    assert [p for p in tables(at)[3]["code"]] == ["not_a_number", "placeholder_value"]


def test_remove_days_from_the_page_needs_a_confirmation_and_undo_brings_them_back(db, tmp_path):
    f = tmp_path / "two.csv"
    f.write_text("metric_id,as_of,value\nsecurity_score,2025-01-20,70\nsecurity_score,2025-01-21,71\n")
    load.load_file(f, db=db)
    at = page()
    at.date_input(key="rm_from").set_value(date(2025, 1, 21))
    at.date_input(key="rm_to").set_value(date(2025, 1, 21))
    at.selectbox(key="rm_scope").set_value("chosen metrics")
    at.multiselect(key="rm_metrics").set_value(["security_score"])
    at.button[[b.label for b in at.button].index("Show what would be removed")].click().run()
    assert not at.exception
    assert "this removes 1 value: security_score on 2025-01-21 (71) — from two.csv (batch 2)" in text(at)
    assert button(at, "remove_days").disabled
    next(c for c in at.checkbox if c.key.startswith("rm_confirm")).check().run()
    button(at, "remove_days").click().run()
    assert any("batch 3: remove 2025-01-21 (security_score) — 1 value removed" in shown(s.value) for s in at.success)
    assert live(db, "security_score") == 70
    at = page()
    at.selectbox(key="undo_batch").set_value(3).run()
    at.checkbox(key="undo_confirm_3").check().run()
    button(at, "undo").click().run()
    assert any("the values it removed are back" in shown(s.value) for s in at.success)
    assert live(db, "security_score") == 71
