"""Upload memory comes back (issue 17, item 5): three sessions upload at once, the tabs close, and the served
app's resident memory returns to where it was before the uploads.

Seen before: three rounds of three parallel 199 MB uploads grew the server to 7.8 GB, still held 180 s after
the browsers closed (Streamlit kept every upload's bytes and every session's validated rows). The full-size
measurement is `make bench` (bench/bench_memory.py); this is the same flow with 3 × ~17 MB files.
"""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.browser import DONE, launch_chromium, page_text, served_app

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)

ROWS = 400_000              # ~17 MB of observations (the bench row measures 3 × 200 MB)
GIVEN_BACK_MB = 120         # what may stay above the idle server once the tabs are gone (one upload is ~17 MB)


def server_pid(port: int) -> int:
    """The process listening on `port` (the served app)."""
    inode = next(line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if int(line.split()[1].split(":")[1], 16) == port and line.split()[3] == "0A")
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(f"socket:[{inode}]" == str(fd.readlink()) for fd in (proc / "fd").iterdir()):
                    return int(proc.name)
            except OSError:
                continue
    raise LookupError(port)


def rss_mb(pid: int) -> float:
    return next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS:")) / 1024


def test_three_parallel_uploads_give_their_memory_back_when_the_tabs_close(plan_db, tmp_path):
    source = tmp_path / "big.csv"
    with duckdb.connect(str(plan_db), read_only=True) as con:
        con.execute(f"""COPY (SELECT m.metric_id, DATE '2025-04-06' - CAST(d.range AS INTEGER) AS as_of,
                                     round((hash(m.metric_id, d.range) % 1000) / 10.0, 1) AS value
                              FROM metrics m, range({ROWS // 153 + 1}) d LIMIT {ROWS})
                        TO '{source}' (HEADER, FORMAT csv, DATEFORMAT '%Y-%m-%d')""")
    with served_app(plan_db) as base, playwright.sync_playwright() as p:
        pid = server_pid(int(base.rsplit(":", 1)[1]))
        browser = launch_chromium(p)
        pages = [browser.new_page() for _ in range(3)]
        for page in pages:
            page_text(page, f"{base}/data", timeout_ms=180_000)
        idle = rss_mb(pid)
        for page in pages:
            page.locator("input[type=file]").first.set_input_files(str(source))
        for page in pages:
            page.wait_for_selector("text=No problems found", timeout=600_000)
            page.wait_for_selector(DONE, timeout=600_000)
        browser.close()
        deadline = time.monotonic() + 60
        while rss_mb(pid) - idle > GIVEN_BACK_MB and time.monotonic() < deadline:
            time.sleep(0.5)
        assert rss_mb(pid) - idle <= GIVEN_BACK_MB, f"idle {idle:.0f} MB, now {rss_mb(pid):.0f} MB"
