"""Paint times in headless Chromium and the server's peak memory, against a bare app in the same run.

cold_paint — process start (`streamlit run app.py`) to the home page fully painted: the script
has finished, every plotly chart on the page has drawn its SVG and no element is still a loading
skeleton (Streamlit loads most element types' code on first use). nav_paint — clicking each page
in the sidebar until that page is fully painted, averaged over the pages. The baseline is a bare
3-page app with one plotly chart, served and measured the same way, alternating with the app.
The cold_paint row also records warm_tab_s: a new tab on the same server once it has served the page
(modules imported, figures cached), app and bare: what the page's content alone costs the browser.
nav_floor — what nav_paint's goal asks of a Streamlit page, without the app: a static page with
fewer elements than the app's average page (4 short tables, 4 CSV buttons, 4 headings and lines; no
chart, no query, nothing computed), against a text page on the same server, each clicked to repeatedly
(first visits left out). When even this page costs more than 1.2× the text page, no app page with
tables can meet nav_paint on this machine: the ratio is the browser's, not the app's.
server_rss_10m — VmHWM (peak resident memory) of the server process after every page was visited
on the 10M-row database.
Chromium is Debian's (/usr/bin/chromium) with the flags of ../shared/tools/screenshots.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.common import ROOT, fresh_copy, free_port, median, row, workdir

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STREAMLIT = str(ROOT / ".venv" / "bin" / "streamlit")

BARE_APP = '''import streamlit as st
pages = [st.Page("p1.py", title="One", default=True), st.Page("p2.py", title="Two", url_path="two"),
         st.Page("p3.py", title="Three", url_path="three")]
st.navigation(pages).run()
'''
BARE_PAGES = {
    "p1.py": "import plotly.graph_objects as go\nimport streamlit as st\nst.title('One')\n"
             "st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))\n",
    "p2.py": "import streamlit as st\nst.title('Two')\nst.write('page two')\n",
    "p3.py": "import streamlit as st\nst.title('Three')\nst.write('page three')\n",
}

FLOOR_APP = '''import streamlit as st
pages = [st.Page("text.py", title="Text", default=True), st.Page("notebook.py", title="Notebook", url_path="notebook")]
st.navigation(pages).run()
'''
FLOOR_PAGES = {
    "text.py": "import streamlit as st\nst.title('Text')\nst.write('a text page')\n",
    "notebook.py": """import pandas as pd
import streamlit as st
st.title('Notebook')
frame = pd.DataFrame({c: [f'cell {c}{r}' for r in range(8)] for c in 'abcdef'})
for i in range(4):
    st.subheader(f'Section {i}')
    st.markdown('A line of narrative with **figures**, 12.5% and $1.5M, as the pages write them.')
    st.table(frame, hide_index=True, border='horizontal')
    row = st.container(horizontal=True, vertical_alignment='center')
    row.download_button('CSV', b'a,b\\n1,2\\n', file_name=f't{i}.csv', key=f'csv{i}', on_click='ignore',
                        type='tertiary', icon=':material/download:')
    row.caption('A caption under the table')
""",
}

PAINTED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const h1 = document.querySelector('h1');
  if (!h1) return false;
  for (const c of document.querySelectorAll("[data-testid='stPlotlyChart']"))
    if (!c.querySelector('.main-svg')) return false;
  if (document.querySelector("[data-testid='stSkeleton']")) return false;   // an element still loading its code
  return h1.innerText;
}"""


def bare_app(app: str = BARE_APP, pages: dict[str, str] = BARE_PAGES) -> Path:
    d = workdir() / "bare"
    d.mkdir()
    (d / "app.py").write_text(app)
    for name, text in pages.items():
        (d / name).write_text(text)
    return d


def nav_floor(browser, clicks: int) -> tuple[float, float]:
    """(median seconds to paint the static notebook page, to paint the text page), clicking between them on
    one server; each page's first visit (its modules, the browser's first table) is left out."""
    server = Server(bare_app(FLOOR_APP, FLOOR_PAGES), None)
    try:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        _goto_when_listening(page, server)
        title = _wait_painted(page)
        links = page.eval_on_selector_all("[data-testid='stSidebarNav'] a", "els => els.map(e => e.href)")
        notebook = next(link for link in links if link.endswith("/notebook"))
        text = next(link for link in links if link != notebook)
        times = {"Notebook": [], "Text": []}
        for _ in range(clicks + 1):
            for href, name in ((notebook, "Notebook"), (text, "Text")):
                t0 = time.perf_counter()
                page.click(f"[data-testid='stSidebarNav'] a[href='{href}']")
                title = _wait_painted(page, not_title=title)
                times[name].append(time.perf_counter() - t0)
        page.close()
    finally:
        server.stop()
    return median(times["Notebook"][1:]), median(times["Text"][1:])


class Server:
    def __init__(self, app_dir: Path, db: Path | None):
        self.port = free_port()
        # Bytecode caching as on any user's machine: this sandbox sets PYTHONDONTWRITEBYTECODE, which made
        # every cold start of the app recompile its own ~25 modules (~0.1 s) and the bare app none.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(ROOT)
        if db is not None:
            env["DCE_DB"] = str(db)
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [STREAMLIT, "run", "app.py", "--server.headless", "true", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=app_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"

    def peak_rss_mb(self) -> float:
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _wait_painted(page, timeout_ms=120_000, not_title=None) -> str:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        title = page.evaluate(PAINTED)
        if title and title != not_title:
            return title
        time.sleep(0.02)
    raise TimeoutError("page never finished painting")


def warm_tab(browser, server: Server, tabs: int = 3) -> float:
    """Median seconds from opening a new tab on the home page to painted, on a server that has already
    served it: every module imported and every figure cached, so what is left is the browser loading
    Streamlit and drawing the page's elements (the floor under cold_paint for this page's content)."""
    times = []
    for _ in range(tabs):
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        t0 = time.perf_counter()
        page.goto(server.url, wait_until="domcontentloaded")
        _wait_painted(page)
        times.append(time.perf_counter() - t0)
        page.close()
    return median(times)


def _goto_when_listening(page, server: Server) -> None:
    while True:
        try:
            page.goto(server.url, wait_until="domcontentloaded", timeout=2000)
            return
        except Exception:
            if server.proc.poll() is not None or time.perf_counter() - server.t0 > 120:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)


def cold_paint(browser, app_dir: Path, db: Path | None, max_pages: int = 99) -> tuple[float, list[float], Server]:
    """(seconds from process start to the painted home page, nav seconds per page, the server)."""
    server = Server(app_dir, db)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    _goto_when_listening(page, server)
    title = _wait_painted(page)
    cold = time.perf_counter() - server.t0
    navs = []
    links = page.eval_on_selector_all("[data-testid='stSidebarNav'] a", "els => els.map(e => e.href)")
    for href in (links[1:] + links[:1])[:max_pages]:
        t0 = time.perf_counter()
        page.click(f"[data-testid='stSidebarNav'] a[href='{href}']")
        title = _wait_painted(page, not_title=title)
        navs.append(time.perf_counter() - t0)
    page.close()
    return cold, navs, server


def run(quick: bool) -> list[dict]:
    from playwright.sync_api import sync_playwright
    files = generate.ensure(quick)
    tmp = workdir()
    bare = bare_app()
    runs = 1 if quick else 3
    subprocess.run([sys.executable, "-m", "compileall", "-q", "ui", "transforms", "loaders"], cwd=ROOT, check=True)
    app_cold, bare_cold, app_nav, bare_nav, app_tab, bare_tab = [], [], [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for _ in range(runs):                      # alternate: bare, app, bare, app ...
                c, n, s = cold_paint(browser, bare, None)
                bare_tab.append(warm_tab(browser, s))
                s.stop()
                bare_cold.append(c)
                bare_nav.append(sum(n) / len(n))
                c, n, s = cold_paint(browser, ROOT, fresh_copy(files["plan_db"], tmp, "paint.duckdb"),
                                     max_pages=3 if quick else 99)
                last_rss = s.peak_rss_mb()
                app_tab.append(warm_tab(browser, s))
                s.stop()
                app_cold.append(c)
                app_nav.append(sum(n) / len(n))
                print(f"  cold app {app_cold[-1]:.2f} s bare {bare_cold[-1]:.2f} s; nav app {app_nav[-1]:.2f} s "
                      f"bare {bare_nav[-1]:.2f} s; new tab on the warm server app {app_tab[-1]:.2f} s "
                      f"bare {bare_tab[-1]:.2f} s", file=sys.stderr)
            # every page on the big database, then the server's peak memory (quick: the last app run's)
            if quick:
                c, n, rss = app_cold[-1], [app_nav[-1]], last_rss
            else:
                c, n, s = cold_paint(browser, ROOT, fresh_copy(files["big_db"], tmp, "rss.duckdb"))
                rss = s.peak_rss_mb()
                s.stop()
            floor_nb, floor_text = nav_floor(browser, clicks=2 if quick else 5)
            print(f"  nav floor: static notebook page {floor_nb:.2f} s, text page {floor_text:.2f} s", file=sys.stderr)
            print(f"  big db: cold {c:.2f} s, nav mean {sum(n) / len(n):.2f} s, peak RSS {rss:.0f} MB",
                  file=sys.stderr)
        finally:
            browser.close()
    ac, bc, an, bn = median(app_cold), median(bare_cold), median(app_nav), median(bare_nav)
    label = "10m" if not quick else "plan_quick"
    return [row("cold_paint", ac, "s", bc, "ratio ≤ 1.0", ac <= bc,
                warm_tab_s=round(median(app_tab), 2), bare_warm_tab_s=round(median(bare_tab), 2)),
            row("nav_paint", an, "s", bn, "ratio ≤ 1.2", an <= 1.2 * bn),
            row("nav_floor", floor_nb, "s", floor_text, "ratio ≤ 1.2 (else nav_paint is out of reach)",
                floor_nb <= 1.2 * floor_text),
            row(f"server_rss_{label}", rss, "MB", None, "≤ 1536 MB", rss <= 1536,
                cold_paint_s=round(c, 2), nav_mean_s=round(sum(n) / len(n), 2))]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
