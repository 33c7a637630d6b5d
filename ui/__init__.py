"""Streamlit glue shared by the pages: cached reads keyed on the data version, and widgets.

Every page runs inside app.py, after its sign-in gate; `guard()`, each page's first call, holds to that.
Streamlit (1.67) runs a fresh process's first script runs in the legacy "pages/ folder" mode, until some
run calls st.navigation: a URL such as /business then runs pages/business.py alone, with the folder's file
names as navigation and without app.py's page config or gate. The first run to get there switches the mode
off for the process and reruns, so app.py's navigation takes over (a bookmark opened right after a restart
lands on its page). The check is a call on every page run, not an import-time side effect: two sessions'
first runs can overlap after a restart, and the second one's page found `ui` already imported (in the
browser, /alerts, /phases and /teams were shown to a visitor with no identity).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

APP = Path(__file__).resolve().parents[1] / "app.py"
_run = threading.local()        # per script thread: is app.py running a page, past its gate, right now?


def leave_legacy_mode() -> None:
    """app.py's first call: a run Streamlit started in the legacy pages/ mode reruns without it."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@contextmanager
def past_the_gate():
    """app.py runs the chosen page inside this, after auth.gate(): what `guard()` checks."""
    _run.gated = True
    try:
        yield
    finally:
        _run.gated = False


def guard() -> None:
    """Each page's first call. A page run that did not come through app.py's gate never renders: a run in
    the legacy pages/ mode reruns through app.py; a page run as the main script (a test, or `streamlit run
    pages/x.py`) meets the gate here."""
    if getattr(_run, "gated", False):
        return
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None and Path(ctx.main_script_path).resolve() == APP:
        PagesManager.uses_pages_directory = False
        st.rerun()
    from ui import auth
    auth.gate()
