"""Call records at scale: the ibis/DuckDB rollup against a hand-written DuckDB query, same files, same run.

calls_rollup_100m — loaders/calls/rollups.daily() (ibis expressions compiled for DuckDB) over 100M
generated call records (100 days × 1M; --quick: 10 days × 100k) against bench/calls_sql.py, one
hand-written DuckDB SQL query computing the same figures over the same Parquet files, run after
run, both with the same memory_limit (DCE_BENCH_MEMORY, default 10GB: at 4GB the hand-written
query runs out of memory at 100M) and threads. Medians of the runs; the ratio is ibis / hand-written (goal ≤ 1.2). Peak RSS of each side is measured in a
child process of its own (ru_maxrss), so one side's memory does not hide the other's. Each run
also checks that both sides agree on the counts (a benchmark of a wrong answer is worthless).

calls_import_500k — import throughput: a Ringba-style CSV export of 500k calls (about 100 MB, half
the upload limit; --quick: 50k) through `loaders.calls.importer.import_file` (capped reader child,
alias mapping, validation, time zones, salted hashing of the caller, dedup against the store,
day-partitioned Parquet, the batch row) into a fresh database, against one DuckDB COPY of the
same CSV to day-partitioned Parquet (read, nothing checked, nothing hashed) in the same run.
Rows/s, medians of the runs; the goal is the exchange's upper volume from the issue, 10^8 calls a
day (1,157 rows/s sustained).

calls_generate — the generator's write throughput (rows/s), from the cached run that made the
files (generation happens once: the files live in $DCE_BENCH_CACHE or /tmp/dce-bench-cache and are
reused by later runs). This is not import throughput (calls_import_500k is).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import PY, ROOT, median, row

SIZES = {False: (100, 1_000_000), True: (10, 100_000)}
if os.environ.get("DCE_BENCH_CALLS"):           # e.g. 10x1000000 (days x calls per day) on a busy machine
    SIZES[False] = tuple(int(x) for x in os.environ["DCE_BENCH_CALLS"].lower().split("x"))
MEMORY = os.environ.get("DCE_BENCH_MEMORY", "10GB")         # 23.5 GB machine; the hand-written query needs ~10 GB at 100M
RUNS = int(os.environ.get("DCE_BENCH_CALLS_RUNS", 3))   # each side, alternating; at 100M one run is ~15 min a side


def cache_dir() -> Path:
    return Path(os.environ.get("DCE_BENCH_CACHE", "/tmp/dce-bench-cache"))


def cached(quick: bool) -> tuple[Path, dict]:
    """The generated store for this size, generated once (a marker file says it is complete)."""
    days, per_day = SIZES[quick]
    root = cache_dir() / f"calls-{days}x{per_day}-s1"
    marker = root / "_complete.json"
    if marker.is_file():
        return root, json.loads(marker.read_text())
    from loaders.calls import generate
    print(f"  generating {days * per_day:,} call records into {root} (once)...", file=sys.stderr)
    done = generate.generate(root, days=days, calls_per_day=per_day, seed=1, start="2025-01-13")
    info = {"rows": done.rows, "seconds": round(done.seconds, 1), "days": days, "calls_per_day": per_day}
    marker.write_text(json.dumps(info))
    return root, info


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
kind, store, memory = sys.argv[1], sys.argv[2], sys.argv[3]
import duckdb, pandas, ibis                           # imports are not the query: outside the timing
from loaders.calls import rollups
from bench import calls_sql
t0 = time.perf_counter()
if kind == "ibis":
    con = rollups.connect("duckdb", memory_limit=memory)
    frame = rollups.daily_expr(rollups.calls_table(con, store)).to_pandas()
else:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'"); con.execute(f"SET memory_limit = '{{memory}}'")
    frame = calls_sql.run(con, store)
elapsed = time.perf_counter() - t0
print(json.dumps({{"seconds": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "incoming": int(frame["incoming_calls"].sum()), "days": len(frame),
                  "peak": int(frame["peak_concurrent_calls"].max()),
                  "p99": float(frame["routing_p99_ms"].mean()),
                  "outside": int(frame["outside_hours_calls"].sum())}}))
"""


def _child(kind: str, store: Path) -> dict:
    proc = subprocess.run([PY, "-c", CHILD.format(root=str(ROOT)), kind, str(store), MEMORY],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} rollup failed: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


IMPORT_ROWS = {False: 500_000, True: 50_000}
DAY_RATE = 100_000_000 / 86_400            # 10^8 calls a day, the upper volume, in rows/s

IMPORT_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
kind, csv, db = sys.argv[1], sys.argv[2], sys.argv[3]
import duckdb, pandas
from loaders import build
from loaders.calls import importer
if kind == "importer":
    build.build(db)                                    # a fresh database: the build is not the import
t0 = time.perf_counter()
if kind == "importer":
    rows = importer.import_file(csv, db=db).rows
else:
    con = duckdb.connect()
    con.execute(f"COPY (SELECT *, CAST(callDt AS DATE) AS day FROM read_csv('{{csv}}')) TO '{{db}}.copy' "
                "(FORMAT parquet, PARTITION_BY (day))")
    rows = con.execute(f"SELECT count(*) FROM read_csv('{{csv}}')").fetchone()[0]
print(json.dumps({{"seconds": time.perf_counter() - t0, "rows": int(rows)}}))
"""


def ringba_csv(rows: int) -> Path:
    """A Ringba-style export of `rows` calls over 10 days (tests/calls_exports.py), made once."""
    path = cache_dir() / f"ringba-{rows}.csv"
    if not path.is_file():
        from tests import calls_exports
        frame, _ = calls_exports.ringba(rows, seed=5, first_day="2025-02-03", days=10)
        calls_exports.save(frame, path)
    return path


def _import_child(kind: str, csv: Path, db: Path) -> dict:
    proc = subprocess.run([PY, "-c", IMPORT_CHILD.format(root=str(ROOT)), kind, str(csv), str(db)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} import failed: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_rows(quick: bool) -> list[dict]:
    from bench.common import workdir
    csv = ringba_csv(IMPORT_ROWS[quick])
    ours, copies = [], []
    for i in range(3):                                 # side by side, alternating, each into a fresh folder
        copies.append(_import_child("copy", csv, workdir() / "copy"))
        ours.append(_import_child("importer", csv, workdir() / "dce.duckdb"))
    if {r["rows"] for r in ours} != {r["rows"] for r in copies}:
        raise AssertionError(f"the importer and the COPY disagree on the rows: {ours} vs {copies}")
    n = ours[0]["rows"]
    o, c = n / median(r["seconds"] for r in ours), n / median(r["seconds"] for r in copies)
    print(f"  calls import: {o:,.0f} rows/s through the importer vs {c:,.0f} rows/s for a bare COPY "
          f"({n:,} rows)", file=sys.stderr)
    return [row(f"calls_import_{n // 1000}k", o, "rows/s", c, f"≥ {DAY_RATE:,.0f} rows/s (10^8 calls a day)",
                o >= DAY_RATE, ratio=o / c)]


def run(quick: bool) -> list[dict]:
    return rollup_rows(quick) + import_rows(quick)


def rollup_rows(quick: bool) -> list[dict]:
    store, info = cached(quick)
    runs = RUNS
    ibis_runs, sql_runs = [], []
    for _ in range(runs):                          # side by side, alternating
        sql_runs.append(_child("sql", store))
        ibis_runs.append(_child("ibis", store))
    for a, b in zip(ibis_runs, sql_runs):
        same = {k: a[k] for k in ("incoming", "days", "peak", "outside")} == \
               {k: b[k] for k in ("incoming", "days", "peak", "outside")}
        if not same or abs(a["p99"] - b["p99"]) > 1e-6 * max(1.0, abs(b["p99"])):
            raise AssertionError(f"ibis and hand-written rollups disagree: {a} vs {b}")
    i, s = median(r["seconds"] for r in ibis_runs), median(r["seconds"] for r in sql_runs)
    rows_n = info["rows"]
    rss_i, rss_s = max(r["rss_mb"] for r in ibis_runs), max(r["rss_mb"] for r in sql_runs)
    label = "calls_rollup_100m" + ("" if rows_n == 100_000_000 else f" (ran {rows_n / 1e6:g}M)")
    print(f"  {label}: ibis {i:.2f} s vs hand-written SQL {s:.2f} s over {rows_n:,} rows; "
          f"peak RSS ibis {rss_i:.0f} MB, SQL {rss_s:.0f} MB (memory_limit {MEMORY})", file=sys.stderr)
    return [
        row(label, i, "s", s, "ratio ≤ 1.2 (ibis/DuckDB vs hand-written DuckDB SQL)", i / s <= 1.2,
            rows=rows_n, runs=runs),
        row("calls_rollup_peak_rss", rss_i, "MB", rss_s, f"bounded: DuckDB memory_limit {MEMORY}",
            rss_i <= _limit_mb() * 1.5),
        row("calls_generate (not import)", rows_n / info["seconds"], "rows/s", None,
            "generator write throughput, measured once when the cache was made", True),
    ]


def _limit_mb() -> float:
    n = float(MEMORY.rstrip("GBMgbm"))
    return n * 1024 if MEMORY.upper().endswith("GB") else n
