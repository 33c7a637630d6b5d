"""Serve the app for browser tests, and read a page's text once Streamlit has finished running it.

    from tests.browser import served_app, page_text, launch_chromium

    with served_app(db_path) as base_url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        text = page_text(page, f"{base_url}/security")

Read-only tests share one served app per session: the `plan_app` and `sample_app` fixtures
(tests/conftest.py) serve the plan database and the plan with the sample history; a test that writes
serves its own copy with served_app. (Each test still launches its own Chromium: a session-wide
Playwright would clash with the tests that start one of their own.)

served_app(db): copies `db` (a built database) to a temp dir, starts
`.venv/bin/streamlit run app.py --server.headless true --server.port <free port>` with DCE_DB
pointing at the copy, waits until /_stcore/health answers, yields the base URL, then kills the
server (its process group). Never runs `playwright install`: Chromium is /usr/bin/chromium.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# The page has settled: the script is not running, it has drawn something, no element is left over from a
# previous run (Streamlit marks those data-stale while a rerun replaces them), no element is still a grey
# skeleton (Streamlit 1.67 loads most element types' code on first use: a table or chart drawn before its
# code arrived is an stSkeleton, and its cells are not in the page yet), and all of that has held for
# QUIET_MS (a first run may end in a rerun, e.g. the week picker writing ?week=N; a rerun resets the clock).
QUIET_MS = 400
SETTLED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const main = document.querySelector("[data-testid='stMain']");
  const settled = !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!main
    && !!main.querySelector("[data-testid='stElementContainer']")
    && !main.querySelector("[data-testid='stElementContainer'][data-stale='true']")
    && !document.querySelector("[data-testid='stSkeleton']");
  if (!settled) { window.__dceSettledSince = null; return false; }
  window.__dceSettledSince = window.__dceSettledSince || performance.now();
  if (performance.now() - window.__dceSettledSince < %d) return false;
  return {text: main.innerText};
}""" % QUIET_MS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(db: Path, timeout_s: float = 60.0, copy: bool = True, env: dict | None = None,
               args: tuple = (), port: int | None = None):
    """Serve app.py on a free port (or `port`) over a temp copy of `db` (or `db` itself, copy=False, so
    another process can write the very file the app reads), with `env` added to the server's environment
    and `args` to its command line; yield the base URL."""
    with tempfile.TemporaryDirectory(prefix="dce_browser_") as tmp:
        served = Path(tmp) / "dce.duckdb" if copy else Path(db)
        if copy:
            shutil.copy(db, served)
        port = port or free_port()
        env = {**os.environ, "DCE_DB": str(served), **(env or {})}
        log = open(Path(tmp) / "streamlit.log", "wb")
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(f"streamlit did not start: {(Path(tmp) / 'streamlit.log').read_text()[-2000:]}")
                time.sleep(0.3)
            yield base
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def settle(page, timeout_ms: int = 120_000) -> str:
    """Wait until the page has settled (SETTLED) and return the main area's visible text."""
    page.evaluate("() => { window.__dceSettledSince = null; }")      # measured from now, not an earlier settle
    # The text is read in the same evaluation that found the page settled: on a loaded machine a second
    # query could meet the next rerun's or navigation's page instead.
    return page.wait_for_function(SETTLED, timeout=timeout_ms, polling=100).json_value()["text"]


def page_text(page, url: str, timeout_ms: int = 120_000) -> str:
    """Open `url`, wait until the script has finished running and drawn the page, and return its text."""
    page.goto(url, wait_until="domcontentloaded")
    return settle(page, timeout_ms)
