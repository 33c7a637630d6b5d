"""Server time per page under AppTest (warm and first load), and the what-if slider's fragment time.

Each page runs in this process through `streamlit.testing.v1.AppTest`, inside app.py as the server
runs it, against a copy of the database; the baseline is a bare page (`st.write`) run in the same
harness, side by side.
`warm` = median of 5 reruns after one run that filled the caches; `first` = a run with every
cache cleared (imports already done: the server process keeps them).
Run alone: `python -m bench.bench_pages [--quick] [page ...]`.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bench import generate
from bench.common import ROOT, fresh_copy, median, row, workdir

PAGES = ["overview", "phases", "business", "technical", "security", "teams", "alerts", "reports", "data"]
BARE = "import streamlit as st\nst.write('bare page')\n"


def _pages() -> list[str]:
    return [p for p in PAGES if (ROOT / "pages" / f"{p}.py").exists()] + sorted(
        p.stem for p in (ROOT / "pages").glob("*.py") if p.stem not in PAGES)


def _clear():
    import streamlit as st
    st.cache_data.clear()
    st.cache_resource.clear()


def time_page(path: Path, repeats: int) -> tuple[float, float, list[str]]:
    """(first-load seconds, warm median seconds, exceptions) of one page file.

    A page of the app runs as the server runs it, inside app.py (the sign-in gate, the week picker, the
    navigation its page links need); any other file (the bare page) runs on its own."""
    from streamlit.testing.v1 import AppTest

    import tests.apptest  # noqa: F401 - AppTest keeps Streamlit's legacy pages/ flag as a server does (see there)
    _clear()
    if path.parent == ROOT / "pages":
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.switch_page(f"pages/{path.name}")
    else:
        at = AppTest.from_file(str(path), default_timeout=300)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    errors = [str(e.value)[:200] for e in at.exception]
    warm = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return first, median(warm), errors


def page_times(db: Path, repeats: int, pages: list[str] | None = None) -> dict:
    os.environ["DCE_DB"] = str(db)
    bare = Path(workdir()) / "bare.py"
    bare.write_text(BARE)
    out = {}
    bare_warm = None
    for name in pages or _pages():
        # the bare page runs right before each page: the same harness, the same moment of a noisy machine
        # (quick runs, repeats < 3: once, before the first page)
        if bare_warm is None or repeats >= 3:
            _, bare_warm, _ = time_page(bare, repeats)
        first, warm, errors = time_page(ROOT / "pages" / f"{name}.py", repeats)
        out[name] = {"first": first, "warm": warm, "bare": bare_warm, "errors": errors}
        print(f"  page {name:<10} first {first * 1000:7.0f} ms  warm {warm * 1000:7.0f} ms  "
              f"bare {bare_warm * 1000:5.0f} ms {'ERRORS ' + '; '.join(errors) if errors else ''}",
              file=sys.stderr)
    return out


def slider_times(db: Path, repeats: int) -> tuple[float, float]:
    """(fragment rerun seconds, full page rerun seconds) for one slider move on /business.

    AppTest reruns the whole script on a widget change; a browser reruns only the fragment.
    `st.fragment` is wrapped so the fragment body is timed on its own during the same reruns.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    os.environ["DCE_DB"] = str(db)
    spent: list[float] = []
    original = st.fragment

    def timing_fragment(func=None, **kw):
        def wrap(f):
            def timed_body(*a, **k):
                t0 = time.perf_counter()
                try:
                    return f(*a, **k)
                finally:
                    spent.append(time.perf_counter() - t0)
            timed_body.__name__, timed_body.__qualname__ = f.__name__, f.__qualname__
            timed_body.__module__ = f.__module__
            return original(timed_body, **kw)
        return wrap(func) if func is not None else wrap

    st.fragment = timing_fragment
    try:
        _clear()
        at = AppTest.from_file(str(ROOT / "pages" / "business.py"), default_timeout=300).run()
        sliders = [s for s in at.slider if s.key and s.key.startswith("biz_") and not s.key.startswith("biz_mc")]
        if not sliders:
            return float("nan"), float("nan")
        slider = sliders[0]
        lo, hi = slider.min, slider.max
        frag, full = [], []
        for i in range(repeats):
            value = lo + (hi - lo) * (0.3 + 0.1 * (i % 5))
            spent.clear()
            t0 = time.perf_counter()
            slider.set_value(value).run()
            full.append(time.perf_counter() - t0)
            frag.append(spent[-1] if spent else float("nan"))
            slider = next(s for s in at.slider if s.key == slider.key)
        return median(frag), median(full)
    finally:
        st.fragment = original


def run(quick: bool) -> list[dict]:
    files = generate.ensure(quick)
    repeats = 2 if quick else 5
    tmp = workdir()
    rows = []
    plan = page_times(fresh_copy(files["plan_db"], tmp, "plan.duckdb"), repeats)
    for name, t in plan.items():
        rows.append(row(f"page_ms_plan[{name}]", t["warm"] * 1000, "ms", t["bare"] * 1000,
                        "warm ≤ 150 ms", t["warm"] <= 0.150 and not t["errors"], errors=t["errors"]))
    # The sample's twelve weeks of history: what most pages draw from in use (the overview's sparklines
    # compute every headline at every week); the plan database alone is week 0.
    sample = page_times(fresh_copy(files["sample_db"], tmp, "sample.duckdb"), repeats)
    for name, t in sample.items():
        rows.append(row(f"page_ms_sample[{name}]", t["warm"] * 1000, "ms", t["bare"] * 1000,
                        "warm ≤ 150 ms", t["warm"] <= 0.150 and not t["errors"], errors=t["errors"]))
    big = {} if quick else page_times(fresh_copy(files["big_db"], tmp, "big.duckdb"), repeats)
    label = "10m" if not quick else "quick"
    for name, t in big.items():
        rows.append(row(f"page_ms_{label}[{name}]", t["warm"] * 1000, "ms", t["bare"] * 1000,
                        "warm ≤ 1000 ms", t["warm"] <= 1.0 and not t["errors"], errors=t["errors"]))
        rows.append(row(f"page_first_ms_{label}[{name}]", t["first"] * 1000, "ms", None,
                        "first ≤ 3000 ms", t["first"] <= 3.0 and not t["errors"]))
    frag, full = slider_times(fresh_copy(files["plan_db"], tmp, "slider.duckdb"), repeats)
    rows.append(row("slider_ms", frag * 1000, "ms", full * 1000, "fragment ≤ 50 ms", frag <= 0.050))
    return rows


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("--")]
    files = generate.ensure(quick)
    db = files["plan_db"] if "--plan" in sys.argv else files["big_db"]
    page_times(fresh_copy(db, workdir()), 3, names or None)
