"""Benchmark data, generated once into a cache directory outside git (default /tmp/dce-bench).

* ``obs10m.duckdb`` — the plan database plus 10M live observation rows written by DuckDB
  directly (every registry metric × ~65k days ending on the plan's last day, 2025-04-06, so the
  plan week stays 12 and the pages see a long history behind every metric).
* ``obs_1m.csv`` / ``obs_1m.parquet`` — 1M observation rows (every metric × 6,536 days) in the
  upload shape (metric_id, as_of, value): valid, so the loader writes them.
* ``obs_200k.xlsx`` — 200k rows of the same shape (openpyxl, write-only).
* ``plan.duckdb`` — the plan database as `make db` builds it (the load benches copy it).

Values are deterministic (hashes of metric and day): the same files every time, sized by
``rows``; ``python -m bench.generate [--quick]`` prints the paths.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders import build  # noqa: E402

CACHE = Path(os.environ.get("DCE_BENCH_DIR", "/tmp/dce-bench"))
LAST_DAY = date(2025, 4, 6)          # the sample's last day: plan week 12
FULL = {"db": 10_000_000, "csv": 1_000_000, "xlsx": 200_000}
QUICK = {"db": 300_000, "csv": 100_000, "xlsx": 10_000}


def _value_sql(days_col: str) -> str:
    """A bounded, unit-aware value: a slow wave plus hash noise, valid for the metric's unit."""
    noise = f"(hash(m.metric_id, {days_col}) % 1000) / 1000.0"
    wave = f"(0.5 + 0.35 * sin({days_col} / 97.0 + hash(m.metric_id) % 17))"
    return f"""round(CASE
        WHEN m.unit IN ('%', 'score', 'done') THEN 100 * (0.9 * {wave} + 0.1 * {noise})
        WHEN m.unit = 'ms' THEN 5 + 200 * {wave} + 20 * {noise}
        WHEN m.unit = '$' THEN 1e6 * (1 + 4 * {wave}) + 1e5 * {noise}
        ELSE 100 * {wave} + 10 * {noise} END, 2)"""


def _metrics(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT metric_id FROM metrics ORDER BY metric_id").fetchall()]


# Cached databases are named by storage layout: a cache written by an earlier layout (tracked tables
# under the plan's names) is left alone for whoever still runs that code, not upgraded in place.
LAYOUT_TAG = "_l2"


def plan_db(cache: Path = CACHE) -> Path:
    path = cache / f"plan{LAYOUT_TAG}.duckdb"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        build.build(tmp)
        tmp.rename(path)
    return path


def sample_db(cache: Path = CACHE) -> Path:
    """The plan database with the 12-week sample history loaded: the pages as an exec sees them at week 12."""
    path = cache / f"sample{LAYOUT_TAG}.duckdb"
    if not path.exists():
        from loaders import sample
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        shutil.copy(plan_db(cache), tmp)
        sample.load_sample(tmp)
        tmp.rename(path)
    return path


def big_db(rows: int, cache: Path = CACHE) -> Path:
    """The plan database plus `rows` observations in one batch (kind 'upload', superseding the plan's own)."""
    path = cache / f"obs{_tag(rows)}{LAYOUT_TAG}.duckdb"
    if path.exists():
        return path
    tmp = cache / f"obs{_tag(rows)}{LAYOUT_TAG}.tmp.duckdb"
    tmp.unlink(missing_ok=True)
    shutil.copy(plan_db(cache), tmp)
    t0 = time.perf_counter()
    with duckdb.connect(str(tmp)) as con:
        n_metrics = len(_metrics(con))
        days = -(-rows // n_metrics)
        con.execute("UPDATE observations_history SET superseded_by = 2 WHERE superseded_by IS NULL")
        con.execute(f"""
            INSERT INTO observations_history
            SELECT m.metric_id, DATE '{LAST_DAY}' - CAST(d.range AS INTEGER) AS as_of, {_value_sql('d.range')},
                   2, NULL
            FROM metrics m, range({days}) d
            ORDER BY as_of, m.metric_id""")
        n = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        lo = con.execute("SELECT min(as_of) FROM observations").fetchone()[0]
        con.execute("INSERT INTO batches (batch_id, file_name, sha256, table_name, row_count, loaded_at, loaded_by, "
                    "kind, period_start, period_end, replaced_rows, loaded_via) VALUES (2, 'bench/generate.py', "
                    "'bench', 'observations', ?, ?, 'bench', 'upload', ?, ?, 0, 'script')", [n, datetime.now(), lo, LAST_DAY])
        con.execute("CHECKPOINT")
    tmp.rename(path)
    print(f"generated {path} ({n:,} live rows, {n_metrics} metrics × {days:,} days) in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def _tag(rows: int) -> str:
    return f"_{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"_{rows // 1000}k"


def _rows_relation(con, rows: int) -> str:
    n_metrics = len(_metrics(con))
    days = -(-rows // n_metrics)
    return f"""SELECT m.metric_id, DATE '{LAST_DAY}' - CAST(d.range AS INTEGER) AS as_of,
                      {_value_sql('d.range')} AS value
               FROM metrics m, range({days}) d ORDER BY as_of, m.metric_id LIMIT {rows}"""


def upload_files(rows: int, xlsx_rows: int, cache: Path = CACHE) -> dict[str, Path]:
    """CSV and Parquet with `rows` rows, XLSX with `xlsx_rows` rows (observations shape)."""
    out = {"csv": cache / f"obs{_tag(rows)}.csv", "parquet": cache / f"obs{_tag(rows)}.parquet",
           "xlsx": cache / f"obs{_tag(xlsx_rows)}.xlsx"}
    with duckdb.connect(str(plan_db(cache)), read_only=True) as con:
        for kind in ("csv", "parquet"):
            if not out[kind].exists():
                tmp = out[kind].with_suffix(".tmp")
                opts = "(HEADER, FORMAT csv, DATEFORMAT '%Y-%m-%d')" if kind == "csv" else "(FORMAT parquet)"
                con.execute(f"COPY ({_rows_relation(con, rows)}) TO '{tmp}' {opts}")
                tmp.rename(out[kind])
        if not out["xlsx"].exists():
            rows_xlsx = con.execute(_rows_relation(con, xlsx_rows)).fetchall()
            _write_xlsx(rows_xlsx, out["xlsx"])
    return out


def _write_xlsx(rows: list[tuple], path: Path) -> None:
    from openpyxl import Workbook
    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("observations")
    ws.append(["metric_id", "as_of", "value"])
    for metric_id, as_of, value in rows:
        ws.append([metric_id, datetime(as_of.year, as_of.month, as_of.day), value])
    tmp = path.with_suffix(".tmp")
    wb.save(tmp)
    tmp.rename(path)
    print(f"generated {path} ({len(rows):,} rows) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def ensure(quick: bool = False) -> dict[str, Path]:
    """Every benchmark input for this mode, generated when missing."""
    sizes = QUICK if quick else FULL
    CACHE.mkdir(parents=True, exist_ok=True)
    files = upload_files(sizes["csv"], sizes["xlsx"])
    files["plan_db"] = plan_db()
    files["big_db"] = big_db(sizes["db"])
    files["sample_db"] = sample_db()
    # Cached databases hold the plan of the day they were made: bring them to today's data/plan
    # here, or the first measured page run (or load) would rebuild it. A rebuilt plan batch sits
    # beside the 10M-row batch (two live batches share week 0), as in a real database.
    for key in ("plan_db", "big_db", "sample_db"):
        build.build(files[key])
    return files


if __name__ == "__main__":
    for key, value in ensure("--quick" in sys.argv).items():
        print(f"{key}\t{value}")
