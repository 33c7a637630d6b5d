"""Issue 12, loader side: real files through the real loaders into a real DuckDB file.

Loads replace the keys they hold (never a date span) and undo restores exactly what they replaced;
removing days is its own undoable batch; the plan's table names are live views that count each day
once, also in a database written by the previous layout; a 1904 workbook's serial numbers are the
right days; a file's problems come in one pass with a 'did you mean'; JSON loads in every shape.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from loaders import build, load, removal, schema
from loaders.errors import LoadError
from tests.conftest import ROOT, TEST_DATA, write

D = date.fromisoformat


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(db: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def live(db: Path) -> dict[tuple[str, date], float]:
    """Every live value, keyed (metric, day); the view must hold one row per key."""
    rows = query(db, "SELECT metric_id, as_of, value FROM observations")
    values = {(m, d): v for m, d, v in rows}
    assert len(values) == len(rows), "two live rows for one metric and day"
    return values


def changed(before: dict, after: dict) -> set:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


@pytest.fixture
def sample_db(sample_db_path, tmp_path) -> Path:
    """A private copy of the plan database with the 12-week sample history."""
    path = tmp_path / "sample.duckdb"
    shutil.copy(sample_db_path, path)
    return path


# ---- a load replaces the keys it holds ---------------------------------------------------------

def test_a_one_day_correction_changes_that_day_and_nothing_else_and_undo_restores_it(sample_db, tmp_path):
    before = live(sample_db)
    day = D("2025-02-19")
    assert ("security_score", day) in before and ("api_latency_p99_ms", day) in before     # the sample has them
    daily_before = query(sample_db, "SELECT * FROM metrics_daily ORDER BY date")
    f = write(tmp_path / "fix.csv", "date,security_score,api_latency_p99\n2025-02-19,88,1.7\n")

    prepared = load.prepare(f, db=sample_db)
    plan = load.replacement_preview(prepared, db=sample_db)
    assert (plan.values, plan.rows, plan.days) == (2, 2, (day,))
    assert {(m, d, new) for m, d, _, new in plan.named} == {("security_score", day, 88), ("api_latency_p99_ms", day, 1.7)}
    assert "Days the file does not contain are not touched" in plan.sentence()

    result = load.commit(prepared, db=sample_db)
    after = live(sample_db)
    assert changed(before, after) == {("security_score", day), ("api_latency_p99_ms", day)}
    assert after[("security_score", day)] == 88 and after[("api_latency_p99_ms", day)] == 1.7
    assert result.replaced_rows == 2
    daily_after = query(sample_db, "SELECT * FROM metrics_daily ORDER BY date")
    assert len(daily_after) == len(daily_before)
    assert [r for r in daily_after if r[0] != day] == [r for r in daily_before if r[0] != day]

    load.rollback(result.batch_id, db=sample_db)
    assert live(sample_db) == before
    assert query(sample_db, "SELECT * FROM metrics_daily ORDER BY date") == daily_before


def test_a_kept_template_row_and_a_week_5_row_replace_two_days_not_the_span(sample_db, tmp_path):
    """The issue's trap: an example row of 13 Jan plus one week-5 row used to replace 29 days with 2 rows."""
    before = live(sample_db)
    days_before = query(sample_db, "SELECT count(*) FROM metrics_daily")[0][0]
    f = write(tmp_path / "week5.csv", "date,security_score,team_velocity_total\n2025-01-13,12,62\n2025-02-10,40,55\n")
    load.load_file(f, db=sample_db)
    after = live(sample_db)
    assert changed(before, after) == {(m, D(d)) for m in ("security_score", "team_velocity_total")
                                      for d in ("2025-01-13", "2025-02-10")}
    assert query(sample_db, "SELECT count(*) FROM metrics_daily")[0][0] == days_before


def test_a_blank_cell_replaces_nothing(db, tmp_path):
    load.load_file(write(tmp_path / "a.csv", "date,security_score,compliance_score\n2025-01-20,70,45\n"), db=db)
    load.load_file(write(tmp_path / "b.csv", "date,security_score,compliance_score\n2025-01-20,71,\n"), db=db)
    values = live(db)
    assert values[("security_score", D("2025-01-20"))] == 71 and values[("compliance_score", D("2025-01-20"))] == 45


def test_a_load_replaces_the_same_key_from_any_table(db, tmp_path):
    """One live value per metric and day, whichever table brought it (before: an observations file and a
    metrics_daily file left two)."""
    load.load_file(write(tmp_path / "long.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n"), db=db)
    wide = load.load_file(write(tmp_path / "wide.csv", "date,security_score\n2025-01-20,75\n"), db=db)
    assert wide.replaced_rows == 1 and live(db)[("security_score", D("2025-01-20"))] == 75
    load.rollback(wide.batch_id, db=db)
    assert live(db)[("security_score", D("2025-01-20"))] == 70


def test_the_same_file_twice_is_a_noop(db, tmp_path):
    f = write(tmp_path / "a.csv", "date,security_score\n2025-01-20,70\n")
    first = load.load_file(f, db=db)
    before = sha(db)
    again = load.load_file(f, db=db)
    assert again.noop and again.batch_id == first.batch_id and sha(db) == before


def test_undo_of_a_batch_replaced_later_leaves_one_live_value(db, tmp_path):
    key = ("security_score", D("2025-01-20"))
    batches = [load.load_file(write(tmp_path / f"v{v}.csv", f"metric_id,as_of,value\nsecurity_score,2025-01-20,{v}\n"),
                              db=db).batch_id for v in (70, 71, 72)]
    load.rollback(batches[1], db=db)                   # the middle version goes; the newest stays live
    assert live(db)[key] == 72
    load.rollback(batches[2], db=db)                   # now the oldest is what is left
    assert live(db)[key] == 70
    load.rollback(batches[0], db=db)
    assert key not in live(db)
    assert query(db, "SELECT count(*) FROM observations_history WHERE metric_id = ? AND as_of = ?", key) == [(0,)]


def test_undo_of_the_middle_batch_keeps_every_key_of_the_plan(db, tmp_path):
    """Plan week-0 value 65 → 70 → 72; undo 70's batch, then 72's: the plan's 65 is back, alone."""
    key = ("security_score", D("2025-01-12"))
    assert live(db)[key] == 65
    b1 = load.load_file(write(tmp_path / "a.csv", "metric_id,as_of,value\nsecurity_score,2025-01-12,70\n"), db=db)
    b2 = load.load_file(write(tmp_path / "b.csv", "metric_id,as_of,value\nsecurity_score,2025-01-12,72\n"), db=db)
    load.rollback(b1.batch_id, db=db)
    assert live(db)[key] == 72
    load.rollback(b2.batch_id, db=db)
    assert live(db)[key] == 65


# ---- removing days -----------------------------------------------------------------------------

def test_remove_days_is_a_batch_that_removes_those_days_only_and_undo_brings_them_back(sample_db):
    before = live(sample_db)
    plan = removal.removal_preview("2025-03-03", "2025-03-04", table_name="metrics_daily", db=sample_db)
    fed = set(schema.METRICS_DAILY.wide_metrics.values())
    expected = {k for k in before if k[0] in fed and D("2025-03-03") <= k[1] <= D("2025-03-04")}
    assert plan.rows == len(expected) > 0 and plan.days == (D("2025-03-03"), D("2025-03-04"))
    result = removal.remove_days("2025-03-03", "2025-03-04", table_name="metrics_daily", db=sample_db)
    assert result.replaced_rows == len(expected)
    after = live(sample_db)
    assert changed(before, after) == expected and not expected & after.keys()
    kinds = dict(query(sample_db, "SELECT batch_id, kind FROM batches"))
    assert kinds[result.batch_id] == "removal"
    load.rollback(result.batch_id, db=sample_db)
    assert live(sample_db) == before


def test_undoing_a_removal_after_the_day_was_loaded_again_keeps_one_live_value(db, tmp_path):
    key = ("security_score", D("2025-01-20"))
    load.load_file(write(tmp_path / "a.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n"), db=db)
    removed = removal.remove_days("2025-01-20", "2025-01-20", metric_ids=["security_score"], db=db)
    assert key not in live(db)
    reload = load.load_file(write(tmp_path / "b.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,80\n"), db=db)
    load.rollback(removed.batch_id, db=db)             # the removed 70 comes back behind the later 80
    assert live(db)[key] == 80
    load.rollback(reload.batch_id, db=db)
    assert live(db)[key] == 70


def test_removing_days_with_nothing_live_is_refused_and_writes_nothing(db):
    before = sha(db)
    with pytest.raises(LoadError) as err:
        removal.remove_days("2030-01-01", "2030-01-02", db=db)
    assert err.value.codes == {"nothing_to_remove"}
    assert sha(db) == before


# ---- the plan rebuild keeps what analysts loaded -----------------------------------------------

def test_a_plan_rebuild_keeps_an_uploaded_key_and_undo_then_shows_the_new_plan_value(db, tmp_path):
    key = ("security_score", D("2025-01-12"))
    upload = load.load_file(write(tmp_path / "w0.csv", "metric_id,as_of,value\nsecurity_score,2025-01-12,70\n"), db=db)
    plan_dir = tmp_path / "plan"
    shutil.copytree(ROOT / "data" / "plan", plan_dir)
    obs = plan_dir / "observations.csv"
    obs.write_text(obs.read_text().replace("security_score,2025-01-12,65", "security_score,2025-01-12,66"))
    assert build.build(db, plan_dir=plan_dir)
    assert live(db)[key] == 70
    load.rollback(upload.batch_id, db=db)
    assert live(db)[key] == 66


# ---- live views for SQL users ------------------------------------------------------------------

READ_ONLY = ("import duckdb, json, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
             "print(json.dumps(con.execute(sys.argv[2]).fetchall(), default=str))")


def sql_user(db: Path, sql: str):
    """What someone with the database file open read-only in another process sees."""
    out = subprocess.run([sys.executable, "-c", READ_ONLY, str(db), sql], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return [tuple(row) for row in json.loads(out.stdout)]


def test_sql_views_count_each_day_once_after_a_corrected_re_upload(db, tmp_path):
    week = [f"2025-01-{d}" for d in range(13, 20)]
    load.load_file(write(tmp_path / "week.csv", "date,security_score,compliance_score\n"
                         + "".join(f"{d},{60 + i},{40 + i}\n" for i, d in enumerate(week))), db=db)
    load.load_file(write(tmp_path / "week_fixed.csv", "date,security_score,compliance_score\n"
                         + "".join(f"{d},{70 + i},{50 + i}\n" for i, d in enumerate(week))), db=db)
    # 7 uploaded days + the plan's week-0 day (2025-01-12), each once; the corrected values are the live ones
    assert sql_user(db, "SELECT count(*), count(DISTINCT date) FROM metrics_daily") == [(8, 8)]
    assert sql_user(db, "SELECT sum(security_score) FROM metrics_daily") == [(65 + sum(70 + i for i in range(7)),)]
    assert sql_user(db, "SELECT count(*) FROM observations WHERE metric_id = 'security_score'") == [(8,)]
    # the full history sits beside it, under a name that says so
    assert sql_user(db, "SELECT count(*), count(superseded_by) FROM observations_history "
                        "WHERE metric_id = 'security_score'") == [(15, 7)]
    assert sql_user(db, "SELECT count(*), count(superseded_by) FROM metrics_daily_history") == [(14, 7)]


def test_the_views_have_the_plans_column_names(plan_db):
    for table in (schema.METRICS_DAILY, schema.TEAM_METRICS_DAILY, schema.COMPLIANCE_METRICS_DAILY):
        names = [r[0] for r in query(plan_db, f"DESCRIBE {table.name}")]
        assert names == table.column_names
    types = dict((r[0], r[1]) for r in query(plan_db, "DESCRIBE compliance_metrics_daily"))
    assert types["date"] == "DATE" and types["dnc_list_sync_status"] == "BOOLEAN"
    kinds = dict(query(plan_db, "SELECT table_name, table_type FROM information_schema.tables"))
    for name in ("observations", "metrics_daily", "team_metrics_daily", "compliance_metrics_daily"):
        assert kinds[name] == "VIEW" and kinds[f"{name}_history"] == "BASE TABLE"


def test_the_wide_views_show_the_values_the_app_computes_from(db, tmp_path):
    load.load_file(write(tmp_path / "t.csv", "date,team_name,story_points_completed,story_points_planned,test_coverage\n"
                         "2025-01-20,Security,3,4,35.5\n2025-01-20,Compliance,2,,\n"), db=db)
    load.load_file(write(tmp_path / "c.csv", "date,dnc_list_sync_status,consent_coverage_percentage\n"
                         "2025-01-20,true,55\n"), db=db)
    load.load_file(write(tmp_path / "u.csv", "date,uptime_percentage\n2025-01-20,0.9995\n"), db=db)
    assert query(db, "SELECT team_name, story_points_completed, story_points_planned, test_coverage "
                     "FROM team_metrics_daily WHERE date = '2025-01-20' ORDER BY 1") == \
        [("Compliance", 2.0, None, None), ("Security", 3.0, 4, 35.5)]
    assert query(db, "SELECT dnc_list_sync_status, consent_coverage_percentage FROM compliance_metrics_daily "
                     "WHERE date = '2025-01-20'") == [(True, 55.0)]
    assert query(db, "SELECT uptime_percentage FROM metrics_daily WHERE date = '2025-01-20'")[0][0] == pytest.approx(0.9995)
    assert live(db)[("system_uptime_pct", D("2025-01-20"))] == pytest.approx(99.95)


def _legacy(db: Path) -> None:
    """Turn a database into the previous layout: tracked tables under the plan's names, no views (the DDL the
    previous loaders/schema.py wrote), with two live rows for one metric and day, as its loads could leave."""
    with duckdb.connect(str(db)) as con:
        for table in (schema.OBSERVATIONS, schema.METRICS_DAILY, schema.TEAM_METRICS_DAILY,
                      schema.COMPLIANCE_METRICS_DAILY):
            con.execute(f"DROP VIEW {table.name}")
            con.execute(f"ALTER TABLE {table.storage_name} RENAME TO {table.name}")
        con.execute("INSERT INTO observations VALUES ('security_score', DATE '2025-01-20', 70, 2, NULL), "
                    "('security_score', DATE '2025-01-20', 71, 3, NULL)")
        con.execute("INSERT INTO metrics_daily (date, security_score, batch_id) VALUES (DATE '2025-01-20', 71, 3)")
        for column in ("loaded_via", "rolled_back_by"):      # added after that layout (issue 16)
            con.execute(f"ALTER TABLE batches DROP COLUMN {column}")
        con.execute("INSERT INTO batches VALUES (2, 'a.csv', 'a', 'observations', 1, now(), 't', 'upload', "
                    "DATE '2025-01-20', DATE '2025-01-20', 0, NULL), (3, 'b.csv', 'b', 'metrics_daily', 1, now(), 't', "
                    "'upload', DATE '2025-01-20', DATE '2025-01-20', 0, NULL)")


def test_a_database_of_the_previous_layout_is_upgraded_in_place(db):
    _legacy(db)
    assert query(db, "SELECT count(*) FROM metrics_daily")[0][0] == 1       # a table: what SQL users saw
    assert build.build(db) is True
    assert build.build(db) is False                                          # upgraded once
    kinds = dict(query(db, "SELECT table_name, table_type FROM information_schema.tables"))
    assert kinds["observations"] == "VIEW" and kinds["observations_history"] == "BASE TABLE"
    values = live(db)                                                        # one live row per key now
    assert values[("security_score", D("2025-01-20"))] == 71
    assert query(db, "SELECT count(*), count(DISTINCT date) FROM metrics_daily") == [(2, 2)]
    load.rollback(3, db=db)                                                  # undo of the newest: the older is back
    assert live(db)[("security_score", D("2025-01-20"))] == 70


def test_the_app_reads_an_upgraded_database(db):
    _legacy(db)
    from loaders import queries
    build.ensure_built(db)
    with duckdb.connect(str(db), read_only=True) as con:
        latest = queries.latest_values(con).set_index("metric_id")
    assert latest.loc["security_score", "value"] == 71 and str(latest.loc["security_score", "as_of"])[:10] == "2025-01-20"


# ---- dates from a 1904 workbook ----------------------------------------------------------------

def test_a_1904_workbook_with_serial_number_dates_loads_the_right_days(db):
    """dates_1904_serials.xlsx (tests/data/make_hostile.py): 44208 and 44215 as plain numbers, 44209 date-formatted.
    In the 1904 system they are 13, 20 and 14 Jan 2025; read as 1900 serials they were 2021-01-12 and so on."""
    result = load.load_file(TEST_DATA / "dates_1904_serials.xlsx", db=db)
    rows = query(db, "SELECT metric_id, as_of, value FROM observations WHERE batch_id = ? ORDER BY as_of",
                 [result.batch_id])
    assert rows == [("security_score", D("2025-01-13"), 70), ("compliance_score", D("2025-01-14"), 45),
                    ("security_score", D("2025-01-20"), 72)]


# ---- every problem at once ---------------------------------------------------------------------

def test_a_misspelt_header_and_two_bad_cells_are_reported_in_one_pass(db, tmp_path):
    f = write(tmp_path / "typo.csv", "date,securty_score,compliance_score,critical_vulnerabilities\n"
                                     "2025-01-20,70,4x,1\n2025-01-21,71,45,n/a\n")
    before = sha(db)
    with pytest.raises(LoadError) as err:
        load.load_file(f, db=db)
    problems = err.value.problems
    assert [(p.code, p.row, p.column) for p in problems] == [
        ("unknown_column", None, "securty_score"), ("not_a_number", 2, "compliance_score"),
        ("placeholder_value", 3, "critical_vulnerabilities")]
    assert "did you mean security_score?" in problems[0].reason
    assert all(p.how_to_fix for p in problems)
    assert sha(db) == before
    prepared = load.prepare(f, db=db)                 # the preview still has the parsed rows
    assert len(prepared.frame) == 2 and list(prepared.frame["critical_vulnerabilities"].fillna(-1)) == [1, -1]


def test_a_header_that_matches_no_table_until_corrected_is_still_detected(db, tmp_path):
    f = write(tmp_path / "obs.csv", "metric_id,as_of,valeu\nsecurity_score,2025-01-20,70\n")
    prepared = load.prepare(f, db=db)
    assert prepared.table.name == "observations"
    assert [(p.code, p.column) for p in prepared.validated.problems] == [("unknown_column", "valeu"),
                                                                          ("missing_column", "value")]
    assert "did you mean value?" in prepared.validated.problems[0].reason


@pytest.mark.parametrize("cell", ["n/a", "N/A", "-", "null", "none"])
def test_placeholders_in_a_number_column_are_problems_and_an_empty_cell_stays_blank(db, tmp_path, cell):
    f = write(tmp_path / "p.csv", f"date,security_score,compliance_score\n2025-01-20,{cell},\n2025-01-21,,45\n")
    problems = load.prepare(f, db=db).validated.problems
    assert [(p.code, p.row, p.column, p.value) for p in problems] == [
        ("placeholder_value", 2, "security_score", cell)]


def test_one_team_twice_on_a_day_in_two_spellings_is_a_duplicate(db, tmp_path):
    f = write(tmp_path / "t.csv", "date,team_name,story_points_completed\n2025-01-20,Security,3\n2025-01-20,security,4\n")
    problems = load.prepare(f, db=db).validated.problems
    assert [(p.code, p.row) for p in problems] == [("duplicate_key", 3)] and "row 2 already holds it" in problems[0].reason


# ---- JSON --------------------------------------------------------------------------------------

def test_a_json_array_of_observations_loads(db, tmp_path):
    f = write(tmp_path / "obs.json", json.dumps([{"metric_id": "security_score", "as_of": "2025-01-20", "value": 70},
                                                  {"metric_id": "compliance_score", "as_of": "2025-01-20", "value": "45"}]))
    result = load.load_file(f, db=db)
    assert (result.table, result.rows) == ("observations", 2)
    assert live(db)[("compliance_score", D("2025-01-20"))] == 45


def test_ndjson_in_a_plan_table_shape_loads(db, tmp_path):
    f = write(tmp_path / "daily.ndjson", '{"date": "2025-01-21", "security_score": 71}\n'
                                         '{"date": "2025-01-22", "security_score": 72, "uptime_percentage": 0.9995}\n')
    result = load.load_file(f, db=db)
    assert (result.table, result.rows) == ("metrics_daily", 2)
    values = live(db)
    assert values[("security_score", D("2025-01-22"))] == 72
    assert values[("system_uptime_pct", D("2025-01-22"))] == pytest.approx(99.95)


def test_the_collector_outputs_of_the_plans_daily_pipeline_load_as_they_stand(db):
    """tests/data/daily-*.json: the shapes docs/loading.md's "JSON input" documents (flat, metrics section, teams, NDJSON)."""
    for name in ("daily-performance.json", "daily-security.json", "daily-velocity.json", "daily-revenue.json",
                 "daily-compliance.json"):
        load.load_file(TEST_DATA / name, db=db)
    values = live(db)
    assert values[("api_latency_p99_ms", D("2025-02-03"))] == 1.9
    assert values[("system_uptime_pct", D("2025-02-04"))] == pytest.approx(99.95)     # uptime_percentage 0.9995
    assert values[("concurrent_users", D("2025-02-04"))] == 1400                      # "1,400"
    assert values[("security_control_authentication_pct", D("2025-02-04"))] == 60     # "60%"
    assert values[("velocity_security", D("2025-02-03"))] == 3
    assert values[("test_coverage_unit_security", D("2025-02-04"))] == 41.5
    assert values[("revenue_pipeline_usd", D("2025-02-04"))] == 1_200_000            # "$1.2M"
    assert values[("revenue_pipeline_monthly_usd", D("2025-02-04"))] == 150_000      # {"value": 150000}
    assert values[("dnc_list_sync_status", D("2025-02-04"))] == 100                  # true


@pytest.mark.parametrize("text, row, column, code", [
    ('[{"metric_id": "security_score", "as_of": "2025-01-20", "value": 70},\n'
     ' {"metric_id": "compliance_score" "as_of": "2025-01-20", "value": 45}]', 2, None, "not_json"),
    ('{"date": "2025-01-20", "security_score": 70}\n{"date": "2025-01-21", "security_score": 71,}\n', 2, None, "not_json"),
    ('[{"metric_id": "security_score", "as_of": "2025-01-20", "value": 70},\n'
     ' {"metric_id": "compliance_score", "as_of": "2025-01-20", "value": {"amount": 45}}]', 2, "value", "not_a_number"),
    ('{"source": "collector",\n "metrics": {"security_score": 70}}', 1, None, "json_shape"),
    ('[{"metric_id": "security_score", "as_of": "2025-01-20", "value": 70},\n 42]', 2, None, "json_shape"),
    ('{\n  "date": "2025-01-20",\n  "metrics": {\n    "security_score": 70,\n    "securty_score": 71\n  }\n}',
     5, "metric_id", "unknown_metric"),
])
def test_bad_json_is_refused_naming_file_row_and_field(db, tmp_path, text, row, column, code):
    f = write(tmp_path / "bad.json", text)
    before = sha(db)
    with pytest.raises(LoadError) as err:
        load.load_file(f, db=db)
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column, problem.code) == ("bad.json", row, column, code), problem
    assert problem.how_to_fix
    assert sha(db) == before


def test_the_readmes_sql_counts_each_day_once(db, tmp_path):
    """The query in README's 'Quickstart: open the database in SQL', after a corrected re-upload, as a read-only SQL user."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Quickstart: open the database in SQL"):]
    sql = section[section.index("```sql") + 6:section.index("```", section.index("```sql") + 6)].strip()
    week = [f"2025-01-{d}" for d in range(13, 20)]
    for name, base in (("week.csv", 60), ("week_fixed.csv", 70)):
        load.load_file(write(tmp_path / name, "date,security_score\n"
                             + "".join(f"{d},{base + i}\n" for i, d in enumerate(week))), db=db)
    rows = sql_user(db, sql.rstrip(";"))
    assert [(str(w)[:10], n, s) for w, n, s in rows] == [("2025-01-06", 1, 65.0), ("2025-01-13", 7, 73.0)]


def test_excel_error_cells_are_refused_by_cell_not_loaded_as_blanks(db):
    """excel_errors.xlsx (tests/data/make_hostile.py): a cached #N/A and #DIV/0! under the header."""
    before = sha(db)
    with pytest.raises(LoadError) as err:
        load.load_file(TEST_DATA / "excel_errors.xlsx", db=db)
    assert [(p.code, p.row, p.value) for p in err.value.problems] == [
        ("placeholder_value", 2, "#N/A"), ("placeholder_value", 3, "#DIV/0!")]
    assert "cell B2 holds the Excel error #N/A" in err.value.problems[0].reason
    assert sha(db) == before
