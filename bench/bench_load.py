"""Loads: the loader against plain DuckDB / pandas on the same file, interleaved run by run.

csv_load_1m / parquet_load_1m — `python -m loaders load FILE` as a process (interpreter start,
DuckDB-native read + SQL checks + insert in one transaction — loaders/native.py) against `python -c` running DuckDB's
`CREATE TABLE AS SELECT * FROM read_csv/read_parquet(FILE)`: both pay an interpreter start.
The ratio uses these two processes. The in-process `loaders.load.load_file` time (forkserver
already warm) against an in-process CTAS is reported beside it (`*_inprocess` rows).
xlsx_load_200k — in-process `load_file` against `pandas.read_excel(engine="openpyxl")` + insert.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from bench import generate
from bench.common import PY, fresh_copy, median, row, run_process, workdir

CTAS = ("import duckdb,sys; con=duckdb.connect(sys.argv[1]); "
        "con.execute(\"CREATE TABLE t AS SELECT * FROM {reader}(?)\", [sys.argv[2]]); con.close()")


def _ctas_process(reader: str, src: Path, tmp: Path) -> float:
    target = tmp / "ctas.duckdb"
    target.unlink(missing_ok=True)
    return run_process([PY, "-c", CTAS.format(reader=reader), str(target), str(src)])


def _ctas_inprocess(reader: str, src: Path, tmp: Path) -> float:
    target = tmp / "ctas_in.duckdb"
    target.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with duckdb.connect(str(target)) as con:
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [str(src)])
    return time.perf_counter() - t0


def _cli(src: Path, plan: Path, tmp: Path) -> float:
    db = fresh_copy(plan, tmp, "cli.duckdb")
    return run_process([PY, "-m", "loaders", "load", str(src)], env={"DCE_DB": str(db)})


def _inprocess(src: Path, plan: Path, tmp: Path) -> float:
    from loaders import load
    db = fresh_copy(plan, tmp, "inproc.duckdb")
    t0 = time.perf_counter()
    result = load.load_file(src, db=db)
    elapsed = time.perf_counter() - t0
    assert result.rows > 0 and not result.noop, result
    return elapsed


def _pandas_xlsx(src: Path, tmp: Path) -> float:
    import pandas as pd
    target = tmp / "pandas_xlsx.duckdb"
    target.unlink(missing_ok=True)
    t0 = time.perf_counter()
    frame = pd.read_excel(src, engine="openpyxl")
    with duckdb.connect(str(target)) as con:
        con.register("_f", frame)
        con.execute("CREATE TABLE t AS SELECT * FROM _f")
    return time.perf_counter() - t0


def _flat_rows(kind: str, reader: str, src: Path, plan: Path, tmp: Path, runs: int, label: str) -> list[dict]:
    cli, base, inproc, base_in = [], [], [], []
    for _ in range(runs):                      # side by side: each run measures all four in turn
        base.append(_ctas_process(reader, src, tmp))
        cli.append(_cli(src, plan, tmp))
        base_in.append(_ctas_inprocess(reader, src, tmp))
        inproc.append(_inprocess(src, plan, tmp))
    c, b, i, bi = median(cli), median(base), median(inproc), median(base_in)
    print(f"  {label}: cli {c:.2f} s vs python -c CTAS {b:.2f} s; in-process {i:.2f} s vs CTAS {bi:.2f} s",
          file=sys.stderr)
    return [row(label, c, "s", b, "ratio ≤ 1.3 (CLI process vs python -c CTAS)", c / b <= 1.3),
            row(label + "_inprocess", i, "s", bi, "ratio ≤ 1.3 (load_file vs CTAS, in-process)", i / bi <= 1.3)]


def run(quick: bool) -> list[dict]:
    from loaders import readers
    files = generate.ensure(quick)      # databases current with today's data/plan: no rebuild inside a load
    tmp = workdir()
    runs = 1 if quick else 3
    readers.prewarm()
    size = "1m" if not quick else "100k"
    rows = _flat_rows("csv", "read_csv", files["csv"], files["plan_db"], tmp, runs, f"csv_load_{size}")
    rows += _flat_rows("parquet", "read_parquet", files["parquet"], files["plan_db"], tmp, runs,
                       f"parquet_load_{size}")
    loader, pandas_ = [], []
    for _ in range(runs if not quick else 1):
        pandas_.append(_pandas_xlsx(files["xlsx"], tmp))
        loader.append(_inprocess(files["xlsx"], files["plan_db"], tmp))
    lo, pa_ = median(loader), median(pandas_)
    print(f"  xlsx: loader {lo:.2f} s vs pandas+openpyxl {pa_:.2f} s ({pa_ / lo:.1f}x)", file=sys.stderr)
    rows.append(row(f"xlsx_load_{'200k' if not quick else '10k'}", lo, "s", pa_, "loader ≥ 10× faster (ratio ≤ 0.1)",
                    lo * 10 <= pa_))
    return rows


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
