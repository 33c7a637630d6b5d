"""Server memory while three browsers upload 200 MB files at once, and how soon it comes back.

upload_peak_rss_3x200mb — the Streamlit server's peak resident memory (VmHWM) while three sessions each
upload a ~197 MB observations CSV (4.6M rows) on /data at the same moment and wait until it is validated
("No problems found"). Goal ≤ 2048 MB. The baseline is the same server with the three sessions open on
/data before any upload, measured in the same run.
upload_settle_s_3x200mb — seconds from closing the three browsers until the server's resident memory
(VmRSS) is under 1024 MB again (0 when it never left); its resident memory at that moment beside it.
Goal ≤ 60 s.
Reading and validating run in capped child processes (loaders/readers/sandbox.py, loaders/spool.py), which are
not the server: their peak is reported beside the rows (`child_peak_mb`, the largest seen) for honesty.
Sampled every 0.2 s from /proc. Quick mode: 3 × ~20 MB files, one run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb

from bench import generate
from bench.bench_browser import ARGS, STREAMLIT
from bench.common import ROOT, fresh_copy, free_port, median, row, workdir

SESSIONS = 3
SETTLE_MB = 1024
PEAK_MB = 2048
SETTLE_LIMIT_S = 60.0
ROWS = {False: 4_600_000, True: 460_000}          # ~197 MB and ~20 MB of observations CSV


def upload_file(quick: bool) -> Path:
    rows = ROWS[quick]
    path = generate.CACHE / f"upload_{rows // 1000}k.csv"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with duckdb.connect(str(generate.plan_db()), read_only=True) as con:
            con.execute(f"COPY ({generate._rows_relation(con, rows)}) TO '{tmp}' (HEADER, FORMAT csv, "
                        "DATEFORMAT '%Y-%m-%d')")
        tmp.rename(path)
    return path


def _kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))
    except (OSError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return found


class Sampler(threading.Thread):
    """The server's VmRSS and its children's largest VmRSS, every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.rss_mb, self.child_peak_mb, self.stop = pid, 0.0, 0.0, False

    def run(self):
        while not self.stop:
            self.rss_mb = _kb(self.pid, "VmRSS") / 1024
            for child in _children(self.pid):
                self.child_peak_mb = max(self.child_peak_mb, _kb(child, "VmRSS") / 1024)
            time.sleep(0.2)


def one_run(browser_type, db: Path, source: Path) -> dict:
    port = free_port()
    env = {**os.environ, "DCE_DB": str(db)}
    server = subprocess.Popen([STREAMLIT, "run", "app.py", "--server.headless", "true", "--server.port", str(port),
                               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    sampler = Sampler(server.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.2)
        sampler.start()
        browser = browser_type.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = [browser.new_page() for _ in range(SESSIONS)]
        for page in pages:
            page.goto(f"{url}/data")
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=180_000)
        idle_mb = _kb(server.pid, "VmRSS") / 1024
        for page in pages:                                   # three uploads at once
            page.locator("input[type=file]").first.set_input_files(str(source))
        for page in pages:
            page.wait_for_selector("text=No problems found", timeout=900_000)
        browser.close()
        closed = time.monotonic()
        at_close_mb = sampler.rss_mb
        while sampler.rss_mb >= SETTLE_MB and time.monotonic() - closed < 3 * SETTLE_LIMIT_S:
            time.sleep(0.2)
        settle_s = time.monotonic() - closed
        return {"peak_mb": _kb(server.pid, "VmHWM") / 1024, "idle_mb": idle_mb, "settle_s": settle_s,
                "at_close_mb": at_close_mb, "child_peak_mb": sampler.child_peak_mb}
    finally:
        sampler.stop = True
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def run(quick: bool) -> list[dict]:
    from playwright.sync_api import sync_playwright
    from loaders import build
    plan = generate.plan_db()
    build.build(plan)                       # today's data/plan (the cached copy may be older)
    source = upload_file(quick)
    tmp = workdir()
    runs = []
    with sync_playwright() as p:
        for _ in range(1 if quick else 3):
            runs.append(one_run(p.chromium, fresh_copy(plan, tmp, "memory.duckdb"), source))
            print(f"  peak {runs[-1]['peak_mb']:.0f} MB (idle {runs[-1]['idle_mb']:.0f} MB), back under "
                  f"{SETTLE_MB} MB {runs[-1]['settle_s']:.1f} s after the browsers closed; child peak "
                  f"{runs[-1]['child_peak_mb']:.0f} MB", file=sys.stderr)
    peak, idle = median(r["peak_mb"] for r in runs), median(r["idle_mb"] for r in runs)
    settle = median(r["settle_s"] for r in runs)
    size = f"{source.stat().st_size / 1e6:.0f} MB"
    label = "3x200mb" if not quick else "3x20mb_quick"
    extra = {"file": size, "runs": len(runs), "child_peak_mb": round(max(r["child_peak_mb"] for r in runs)),
             "rss_at_close_mb": round(median(r["at_close_mb"] for r in runs))}
    return [row(f"upload_peak_rss_{label}", peak, "MB", idle, f"≤ {PEAK_MB} MB", peak <= PEAK_MB, **extra),
            row(f"upload_settle_s_{label}", settle, "s", None, f"< {SETTLE_MB} MB within {SETTLE_LIMIT_S:.0f} s",
                settle <= SETTLE_LIMIT_S, **extra)]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
