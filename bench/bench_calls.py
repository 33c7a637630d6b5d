"""Call records at scale: the ibis/DuckDB rollup against a hand-written DuckDB query, same files, same run.

calls_rollup_100m — loaders/calls/rollups.daily() (ibis expressions compiled for DuckDB) over 100M
generated call records (100 days × 1M; --quick: 10 days × 100k) against bench/calls_sql.py, one
hand-written DuckDB SQL query computing the same figures over the same Parquet files, run after
run, both with the same memory_limit (DCE_BENCH_MEMORY, default 4GB) and threads. Medians of
the runs; the ratio is ibis / hand-written (goal ≤ 1.2). Peak RSS of each side is measured in a
child process of its own (ru_maxrss), so one side's memory does not hide the other's. Each run
also checks that both sides agree on the counts (a benchmark of a wrong answer is worthless).

calls_generate — the generator's write throughput (rows/s), from the cached run that made the
files (generation happens once: the files live in $DCE_BENCH_CACHE or /tmp/dce-bench-cache and are
reused by later runs). This is NOT import throughput: the importer (issue 15, another branch)
gets its own row when it is merged.
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
MEMORY = os.environ.get("DCE_BENCH_MEMORY", "4GB")


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


def run(quick: bool) -> list[dict]:
    store, info = cached(quick)
    runs = 3
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
            rows=rows_n),
        row("calls_rollup_peak_rss", rss_i, "MB", rss_s, f"bounded: DuckDB memory_limit {MEMORY}",
            rss_i <= _limit_mb() * 1.5),
        row("calls_generate (not import)", rows_n / info["seconds"], "rows/s", None,
            "generator write throughput, measured once when the cache was made", True),
    ]


def _limit_mb() -> float:
    n = float(MEMORY.rstrip("GBMgbm"))
    return n * 1024 if MEMORY.upper().endswith("GB") else n
