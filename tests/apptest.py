"""Run one page (or the whole app) in Streamlit's AppTest with fresh caches, optionally as of a plan week."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

ROOT = Path(__file__).resolve().parents[1]


class _LegacyModeOncePerProcess(PagesManager):
    """AppTest sets `PagesManager.uses_pages_directory = None` before every run, so each run would start in
    Streamlit's legacy pages/ mode again (pages/ is beside app.py) and a switched-to page would run alone
    first: ui.guard() reruns it through app.py, but the click or form submit that started the run is spent
    by then. A server decides the mode once per process, and app.py leaves it. Given to AppTest in
    PagesManager's place, this class takes AppTest's reset on itself, and the flag Streamlit reads keeps
    the process's value, as on the server (a test that wants the legacy mode still sets it)."""


app_test.PagesManager = _LegacyModeOncePerProcess


def run_page(name: str, week: int | None = None, timeout: int = 90, *, user: dict | None = None,
             secrets: dict | None = None) -> AppTest:
    """pages/<name>.py as the app serves it (app.py's navigation and week picker around it);
    `week` arrives as the app's ?week= URL parameter; `user` is st.user and `secrets` st.secrets
    (an "auth" section puts the app in sign-in mode, ui/auth.py)."""
    at = run_app(week, timeout, user=user, secrets=secrets)
    if name != "overview" and not at.exception:
        at.switch_page(f"pages/{name}.py").run()
    return at


def run_app(week: int | None = None, timeout: int = 90, *, user: dict | None = None,
            secrets: dict | None = None) -> AppTest:
    """app.py (navigation, the sidebar week picker, the default page)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if user is not None:
        at.user = user
    if secrets is not None:
        at.secrets.update(secrets)
    if week is not None:
        at.query_params["week"] = str(week)
    return at.run()


def tables(at: AppTest) -> list:
    """Every table on the page as a DataFrame, in page order: short ones are st.table (Markdown cells,
    escaped: read back as a reader sees them; a link cell reads as its target, like a LinkColumn),
    long ones st.dataframe."""
    import re

    import pandas as pd

    from tests.conftest import shown
    out = []

    def walk(node):
        kind = getattr(node, "type", None)
        if kind == "table":
            frame = node.value
            link = re.compile(r"^\[[^\]]*\]\((.*)\)$")

            def cell(v):
                if not isinstance(v, str):
                    return v
                target = link.match(v)
                return target.group(1) if target else shown(v)
            out.append(frame.map(cell)
                       .rename(columns=lambda c: shown(c) if isinstance(c, str) else c))
        elif kind == "dataframe":
            out.append(node.value)
        for key in sorted(getattr(node, "children", {}) or {}):
            walk(node.children[key])
    walk(at._tree)
    return [f if isinstance(f, pd.DataFrame) else pd.DataFrame(f) for f in out]
