"""Concurrent loads, a busy database, a load killed mid-write, and a CLI load while the app reads.

The rules (loaders/db.py): one connection per unit of work, writes serialised (in-process by a lock,
across processes by DuckDB's file lock), one transaction per batch. So: two loads at once both land
(or the second is told "busy, retry"), a batch is never partial, and a process killed with SIGKILL
mid-write leaves a database that opens with the batch wholly absent.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd

from loaders import load
from tests.apptest import run_page
from tests.conftest import ROOT, write


def q(db: Path, sql: str, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def assert_batches_whole(db: Path) -> None:
    """Every live upload batch holds exactly the rows it says it loaded."""
    for batch_id, table, rows in q(db, "SELECT batch_id, table_name, row_count FROM batches "
                                       "WHERE kind = 'upload' AND rolled_back_at IS NULL"):
        assert q(db, f'SELECT count(*) FROM "{table}" WHERE batch_id = ?', [batch_id])[0][0] == rows


def test_two_sessions_loading_at_once_both_succeed(db, tmp_path):
    files = [write(tmp_path / f"{m}.csv", "metric_id,as_of,value\n" + "".join(
        f"{m},2025-01-{d:02d},{40 + d}\n" for d in range(13, 27))) for m in ("security_score", "compliance_score")]
    prepared = [load.prepare(f, db=db) for f in files]
    start, results, errors = threading.Barrier(2), [], []

    def run(p):
        start.wait()
        try:
            results.append(load.commit(p, db=db))
        except Exception as exc:   # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in prepared]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert not errors, errors
    assert sorted(r.batch_id for r in results) == [2, 3] and all(r.rows == 14 for r in results)
    assert_batches_whole(db)


def test_the_same_file_loaded_twice_at_once_lands_once(db, tmp_path):
    f = write(tmp_path / "same.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    prepared = load.prepare(f, db=db)
    start, results = threading.Barrier(2), []

    def run():
        start.wait()
        results.append(load.commit(prepared, db=db))

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(r.noop for r in results) == [False, True]
    assert q(db, "SELECT count(*) FROM batches WHERE kind = 'upload'")[0][0] == 1


def _cli(args: list[str], db: Path, wait_s: float | None = None, **kw) -> subprocess.Popen:
    """`python -m loaders ...`; with wait_s, the lock retries give up sooner (the default is 15 s)."""
    patch = ("import loaders.db as d\n"
             f"d.connect.__wrapped__.__kwdefaults__['wait_s'] = {wait_s}\n"
             f"d.transaction.__wrapped__.__kwdefaults__['wait_s'] = {wait_s}\n") if wait_s else ""
    code = patch + f"import sys\nfrom loaders.__main__ import main\nsys.exit(main({args!r}))"
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "DCE_DB": str(db)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_a_second_process_is_told_busy_retry_while_another_writes(db, tmp_path):
    f = write(tmp_path / "ok.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    holder = duckdb.connect(str(db))            # another process's writer holds the file lock
    try:
        proc = _cli(["load", str(f)], db, wait_s=1.0)
        out, err = proc.communicate(timeout=60)
    finally:
        holder.close()
    assert proc.returncode == 1
    assert out.startswith("error: the database dce.duckdb is busy") and "retry" in out, out
    assert "Traceback" not in out + err
    assert load.load_file(f, db=db).batch_id == 2          # the retry, once the writer is done


def _big_daily_csv(path: Path, rows: int) -> Path:
    """A plan-shaped metrics_daily file: every row unpivots into 12 observations."""
    frame = pd.DataFrame({"date": pd.date_range("1900-01-01", periods=rows).strftime("%Y-%m-%d")})
    for column in ("overall_health_score", "security_score", "compliance_score", "performance_score",
                   "business_value_score", "team_velocity_total", "critical_vulnerabilities",
                   "compliance_violations"):
        frame[column] = 50
    frame = frame.assign(revenue_pipeline_amount=1234.5, api_latency_p99=12.5, test_coverage_percentage=40.5,
                         uptime_percentage=0.999)
    frame.to_csv(path, index=False)
    return path


def test_a_load_killed_mid_write_leaves_the_batch_wholly_absent(db, tmp_path):
    big = _big_daily_csv(tmp_path / "big.csv", 120_000)
    observations = q(db, "SELECT count(*) FROM observations_history")[0][0]
    before = db.stat()
    proc = _cli(["load", str(big)], db, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:   # the write transaction has begun when
            now = db.stat()                                           # DuckDB starts writing blocks to the file
            if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, f"the load finished before it could be killed: {proc.stdout.read()}"
    # The database opens (replaying or discarding its WAL), and nothing of the batch is there.
    assert q(db, "SELECT count(*) FROM batches")[0][0] == 1
    assert q(db, "SELECT count(*) FROM metrics_daily_history")[0][0] == 0
    assert q(db, "SELECT count(*) FROM observations_history")[0][0] == observations
    assert q(db, "SELECT count(*) FROM observations_history WHERE superseded_by IS NOT NULL")[0][0] == 0
    # ... and it still takes a load.
    f = write(tmp_path / "after.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\n")
    assert load.load_file(f, db=db).batch_id == 2


def test_the_app_shows_a_cli_load_on_its_next_rerun_and_keeps_reading_meanwhile(db, tmp_path):
    at = run_page("overview")
    assert at.metric[0].value == "55.4/100"
    f = write(tmp_path / "cron.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,85\n")
    proc = _cli(["load", str(f)], db)
    reads = 0
    while proc.poll() is None:                   # the app keeps serving reruns while the job runs
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        reads += 1
    out, err = proc.communicate()
    assert proc.returncode == 0 and "batch 2" in out, out + err
    at.run()                                     # no cache clearing: the data version changed
    assert at.metric[0].value == "60.4/100"
    assert reads >= 1
