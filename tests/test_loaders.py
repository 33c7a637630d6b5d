"""Real files through the real loaders into a real DuckDB file."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from loaders import access, build, load
from loaders.errors import LoadError
from tests.conftest import ROOT, write


def _count(db, sql, params=()):
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def _live(db, metric_id):
    return _count(db, "SELECT arg_max(value, as_of) FROM observations WHERE metric_id = ?", [metric_id])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_creates_every_table_and_the_plan_batch(plan_db):
    tables = {r[0] for r in duckdb.connect(str(plan_db), read_only=True).execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    for name in ("metrics", "targets", "observations", "metrics_daily", "team_metrics_daily",
                 "compliance_metrics_daily", "batches", "scenarios", "plan_revenue_streams",
                 "observations_history", "metrics_daily_history", "team_metrics_daily_history",
                 "compliance_metrics_daily_history"):
        assert name in tables
    assert _count(plan_db, "SELECT count(*) FROM batches WHERE kind = 'plan'") == 1
    obs = pd.read_csv(ROOT / "data/plan/observations.csv")
    assert _count(plan_db, "SELECT count(*) FROM observations") == len(obs)


def test_building_twice_changes_nothing(db):
    before = _sha(db)
    assert build.build(db) is False
    assert _sha(db) == before


def test_observations_csv_loads_as_one_batch_and_reloading_is_a_noop(db, tmp_path):
    f = write(tmp_path / "obs.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n"
                                    "compliance_score,2025-01-20,45\n")
    first = load.load_file(f, db=db)
    assert (first.table, first.rows, first.noop) == ("observations", 2, False)
    assert _live(db, "security_score") == 70
    again = load.load_file(f, db=db)
    assert again.noop and again.batch_id == first.batch_id
    assert _count(db, "SELECT count(*) FROM observations WHERE metric_id='security_score'") == 2


def test_replace_by_key_then_rollback_restores(db, tmp_path):
    a = write(tmp_path / "a.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    b = write(tmp_path / "b.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,72\n")
    load.load_file(a, db=db)
    second = load.load_file(b, db=db)
    assert second.replaced_rows == 1
    assert _count(db, "SELECT count(*) FROM observations WHERE metric_id='security_score' "
                      "AND as_of='2025-01-20'") == 1
    assert _live(db, "security_score") == 72
    load.rollback(second.batch_id, db=db)
    assert _live(db, "security_score") == 70


def test_wide_metrics_daily_is_unpivoted_into_observations(db, tmp_path):
    f = write(tmp_path / "daily.csv",
              "date,overall_health_score,security_score,compliance_score,performance_score,"
              "business_value_score,team_velocity_total,revenue_pipeline_amount,critical_vulnerabilities,"
              "compliance_violations,api_latency_p99,test_coverage_percentage,uptime_percentage\n"
              "2025-01-14,60,70,45,80,30,20,150000.50,2,0,48.5,20.5,0.995\n")
    result = load.load_file(f, db=db)
    assert result.table == "metrics_daily"
    assert _live(db, "revenue_pipeline_usd") == pytest.approx(150000.50)
    assert _live(db, "api_latency_p99_ms") == pytest.approx(48.5)
    assert _count(db, "SELECT count(*) FROM observations WHERE batch_id = ?", [result.batch_id]) == 12


@pytest.mark.parametrize("text, reason, row, column", [
    ("metric_id,as_of,value\nsecurity_score,2025-01-20,abc\n", "not a number", 2, "value"),
    ("metric_id,as_of,value\nno_such_metric,2025-01-20,1\n", "unknown metric_id", 2, "metric_id"),
    ("metric_id,as_of,value\nsecurity_score,2025-01-20,140\n", "outside 0–100", 2, "value"),
    ("metric_id,as_of,value\nsecurity_score,2025-01-20,1\nsecurity_score,2025-01-20,2\n", "duplicate", 3, "as_of"),
    ("metric_id,as_of,value\nsecurity_score,someday,1\n", "date", 2, "as_of"),
])
def test_bad_rows_are_refused_naming_row_and_column(db, tmp_path, text, reason, row, column):
    f = write(tmp_path / "bad.csv", text)
    before = _sha(db)
    with pytest.raises(LoadError) as info:
        load.load_file(f, db=db)
    problem = info.value.problems[0]
    assert (problem.file, problem.row, problem.column) == ("bad.csv", row, column)
    assert reason in str(problem)
    assert _sha(db) == before


def test_unknown_columns_are_named(db, tmp_path):
    f = write(tmp_path / "cols.csv", "metric,when,amount\nx,2025-01-01,1\n")
    with pytest.raises(LoadError, match="cannot tell which table"):
        load.load_file(f, db=db)


def test_parquet_and_xlsx_load(db, tmp_path):
    frame = pd.DataFrame({"metric_id": ["security_score", "compliance_score"],
                          "as_of": pd.to_datetime(["2025-01-21", "2025-01-21"]), "value": [71.0, 46.0]})
    frame.to_parquet(tmp_path / "obs.parquet")
    frame.to_excel(tmp_path / "obs.xlsx", index=False)
    assert load.load_file(tmp_path / "obs.parquet", db=db).rows == 2
    assert _live(db, "compliance_score") == 46
    frame.assign(value=[73.0, 47.0]).to_excel(tmp_path / "obs2.xlsx", index=False)
    result = load.load_file(tmp_path / "obs2.xlsx", db=db)
    assert result.rows == 2 and result.replaced_rows == 2
    assert _live(db, "security_score") == 73


def test_the_plan_batch_cannot_be_rolled_back(db):
    with pytest.raises(LoadError, match="cannot be rolled back"):
        load.rollback(1, db=db)


def _cli(*args, env_db):
    env = {"DCE_DB": str(env_db), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "loaders", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_cli_load_success_prints_one_summary_line(db, tmp_path):
    f = write(tmp_path / "ok.csv", "metric_id,as_of,value\nsecurity_score,2025-01-27,75\n")
    out = _cli("load", str(f), env_db=db)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and "batch" in lines[0] and "observations" in lines[0] and "1 rows" in lines[0]


def test_cli_malformed_csv_is_one_error_line_and_leaves_db_byte_identical(db, tmp_path):
    f = write(tmp_path / "malformed.csv", 'metric_id,as_of,value\nsecurity_score,"2025-01-27,75\n')
    before = _sha(db)
    out = _cli("load", str(f), "--table", "observations", env_db=db)
    assert out.returncode == 1
    assert out.stdout.startswith("error:") and len(out.stdout.strip().splitlines()) == 1
    assert "Traceback" not in out.stdout + out.stderr
    assert _sha(db) == before


def test_cli_history_and_rollback(db, tmp_path):
    f = write(tmp_path / "ok.csv", "metric_id,as_of,value\nsecurity_score,2025-01-27,75\n")
    batch = load.load_file(f, db=db).batch_id
    assert "ok.csv" in _cli("history", env_db=db).stdout
    out = _cli("rollback", str(batch), env_db=db)
    assert out.returncode == 0 and f"rolled back batch {batch}" in out.stdout
    again = _cli("rollback", str(batch), env_db=db)
    assert again.returncode == 1 and again.stdout.startswith("error:")


# --- the DuckDB-native path for large plain files (loaders/native.py) ---------------------------

def _big_obs(db, n_days: int = 400) -> pd.DataFrame:
    """Every registry metric × n_days, values valid for any unit (0–100), dates as ISO text."""
    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT metric_id FROM metrics ORDER BY metric_id").fetchall()]
    days = pd.date_range("2024-01-01", periods=n_days, freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame([(m, d) for m in ids for d in days], columns=["metric_id", "as_of"])
    frame["value"] = [f"{(i * 37) % 10000 / 100:.2f}" for i in range(len(frame))]
    return frame


def _batch_rows(db, batch_id):
    con = duckdb.connect(str(db))
    try:
        rows = con.execute("SELECT metric_id, as_of, value FROM observations_history WHERE batch_id = ? ORDER BY ALL",
                           [batch_id]).fetchall()
        audit = con.execute("SELECT file_name, sha256, table_name, row_count, period_start, period_end, replaced_rows "
                            "FROM batches WHERE batch_id = ?", [batch_id]).fetchall()
        live = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        con.close()
    return rows, audit, live


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_native_path_loads_exactly_what_the_worded_path_loads(db, plan_db, tmp_path, monkeypatch, fmt):
    from loaders import native
    monkeypatch.setattr(native, "MIN_CSV_BYTES", 0)      # a modest file stands in for a large one
    monkeypatch.setattr(native, "MIN_PARQUET_ROWS", 0)
    frame = _big_obs(plan_db)
    f = tmp_path / f"obs.{fmt}"
    frame.to_csv(f, index=False) if fmt == "csv" else frame.astype({"value": float}).assign(
        as_of=pd.to_datetime(frame["as_of"]).dt.date).to_parquet(f, index=False)
    assert native.plan(f) is not None
    fast = load._load_native(f, None, display_name=None, kind="upload", actor=access.operator("t"), db=db)
    assert fast is not None and fast.rows == len(frame) and not fast.noop     # the native path took it
    other = tmp_path / "worded.duckdb"
    other.write_bytes(plan_db.read_bytes())
    slow = load.commit(load.prepare(f, db=other), actor=access.operator("t"), db=other)
    assert fast.batch_id == slow.batch_id and fast.replaced_rows == slow.replaced_rows
    assert _batch_rows(db, fast.batch_id) == _batch_rows(other, slow.batch_id)
    again = load.load_file(f, db=db)                     # identical content: unchanged, nothing written
    assert again.noop and again.batch_id == fast.batch_id
    assert _count(db, "SELECT count(*) FROM batches") == _count(other, "SELECT count(*) FROM batches")


DECLINED = "native load declined obs.csv: "


@pytest.mark.parametrize("cell, column, reason, why", [
    ("12x", "value", "number", "DuckDB kept {kept:,} of the {rows:,} records counted (a doubtful cell"),
    ("2024-13-40", "as_of", "date", "DuckDB stopped reading it (ConversionException: "),
    ("no_such_metric", "metric_id", "unknown metric_id", "an unknown metric or team, a percentage out of range, "
                                                         "or a repeated key; taking the worded path")])
def test_a_bad_cell_in_a_large_file_is_refused_naming_row_and_column(db, plan_db, tmp_path, monkeypatch,
                                                                      cell, column, reason, why, caplog):
    import logging

    from loaders import native
    monkeypatch.setattr(native, "MIN_CSV_BYTES", 0)
    frame = _big_obs(plan_db, 120)
    frame.loc[5000, column] = cell                       # data row 5001 = file row 5002 (the header is row 1)
    f = tmp_path / "obs.csv"
    frame.to_csv(f, index=False)
    before = _sha(db)
    with caplog.at_level(logging.INFO, logger="loaders.native"):
        assert load._load_native(f, None, display_name=None, kind="upload", actor=access.operator(), db=db) is None
    logged = [r.getMessage() for r in caplog.records if r.name == "loaders.native"]
    assert len(logged) == 1 and logged[0].startswith(DECLINED + why.format(kept=len(frame) - 1, rows=len(frame))), logged
    with pytest.raises(LoadError) as err:
        load.load_file(f, db=db)
    problem = err.value.problems[0]
    assert (problem.row, problem.column) == (5002, column) and reason in problem.reason, problem
    assert _count(db, "SELECT count(*) FROM batches WHERE kind = 'upload'") == 0
    assert _sha(db) == before or _count(db, "SELECT count(*) FROM observations WHERE batch_id > 1") == 0


def test_cli_native_load_imports_neither_pandas_nor_pyarrow(db, plan_db, tmp_path):
    frame = _big_obs(plan_db, 120)
    f = tmp_path / "obs.csv"
    frame.to_csv(f, index=False)
    code = ("import sys, runpy; sys.argv = ['loaders', 'load', sys.argv[1]]; from loaders import native; "
            "native.MIN_CSV_BYTES = 0\ntry:\n    runpy.run_module('loaders', run_name='__main__')\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'streamlit'}))")
    out = subprocess.run([sys.executable, "-c", code, str(f)], cwd=ROOT, capture_output=True, text=True,
                         env={**__import__("os").environ, "DCE_DB": str(db)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"loaded {len(frame)} rows into observations" in out.stdout and out.stdout.strip().endswith("[]"), out.stdout


def test_a_percentage_above_100_loads_where_the_plan_targets_one(db, tmp_path):
    """Feature parity is an index: the plan's own target is 110% (ahead of competitors)."""
    f = write(tmp_path / "parity.csv", "metric_id,as_of,value\ncompliance_feature_parity_pct,2025-03-31,112\n")
    assert load.load_file(f, db=db).rows == 1
    assert _live(db, "compliance_feature_parity_pct") == 112


@pytest.mark.parametrize("damage", ["blank line", "one-digit year"])
def test_the_native_path_leaves_doubtful_files_to_the_worded_path(db, plan_db, tmp_path, monkeypatch, damage,
                                                                   caplog):
    """A blank line (DuckDB skips it: the independent record count disagrees) or a date DuckDB's %Y would
    read as year 5 goes to the worded path, which loads or refuses it as it would any file; the log says why."""
    import logging

    from loaders import native
    caplog.set_level(logging.INFO, logger="loaders.native")
    monkeypatch.setattr(native, "MIN_CSV_BYTES", 0)
    frame = _big_obs(plan_db, 60)
    f = tmp_path / "obs.csv"
    frame.to_csv(f, index=False)
    text = f.read_text()
    lines = text.splitlines(keepends=True)
    if damage == "blank line":
        f.write_text("".join(lines[:100] + ["\n"] + lines[100:]))
    else:
        f.write_text(text.replace(frame.loc[0, "as_of"], "5-01-01", 1))
    assert native.plan(f) is not None
    assert load._load_native(f, None, display_name=None, kind="upload", actor=access.operator(), db=db) is None
    declined = [r.getMessage() for r in caplog.records if r.name == "loaders.native" and r.levelno == logging.INFO]
    kept, counted = (len(frame), len(frame) + 1) if damage == "blank line" else (len(frame) - 1, len(frame))
    assert declined == [f"native load declined obs.csv: DuckDB kept {kept:,} of the {counted:,} records "
                        "counted (a doubtful cell: an odd number or date, padding, a value out of range, a missing "
                        "required value; or a blank line); taking the worded path"], declined
    if damage == "blank line":
        assert load.load_file(f, db=db).rows == len(frame)
    else:
        with pytest.raises(LoadError) as err:
            load.load_file(f, db=db)
        assert (err.value.problems[0].row, err.value.problems[0].column) == (2, "as_of")


def test_a_large_file_into_a_new_database_builds_it_then_loads_natively(plan_db, tmp_path, monkeypatch):
    from loaders import native
    monkeypatch.setattr(native, "MIN_CSV_BYTES", 0)
    frame = _big_obs(plan_db, 30)
    f = tmp_path / "obs.csv"
    frame.to_csv(f, index=False)
    fresh = tmp_path / "new.duckdb"
    result = load._load_native(f, None, display_name=None, kind="upload", actor=access.operator(), db=fresh)
    assert result is not None and result.rows == len(frame)
    assert _count(fresh, "SELECT count(*) FROM batches WHERE kind = 'plan'") == 1
