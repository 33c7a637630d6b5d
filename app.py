"""DCE Metrics Tracker: navigation only. Each page lives in pages/ under a stable URL.

ui/auth.py's gate runs first: a visitor without a role sees a sign-in or "ask an admin" page and no data."""
from pathlib import Path

import streamlit as st

import ui
from ui import auth
from ui.widgets import week_picker

ui.leave_legacy_mode()   # a fresh server's first runs: Streamlit's pages/ folder mode, off (see ui/__init__.py)

# The favicon is the app's own file: a Material icon name here made every browser fetch it from a font server.
st.set_page_config(page_title="DCE Metrics Tracker", page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"),
                   layout="wide")

auth.gate()          # signs in, or says why not and stops; in local mode, the badge

PAGES = {
    "Plan": [
        st.Page("pages/overview.py", title="Executive overview", icon=":material/dashboard:", default=True),
        st.Page("pages/phases.py", title="Phases", icon=":material/calendar_month:", url_path="phases"),
        st.Page("pages/business.py", title="Business impact", icon=":material/payments:", url_path="business"),
        st.Page("pages/technical.py", title="Technical", icon=":material/settings:", url_path="technical"),
        st.Page("pages/security.py", title="Security & compliance", icon=":material/lock:", url_path="security"),
        st.Page("pages/teams.py", title="Teams", icon=":material/groups:", url_path="teams"),
    ],
    "Operate": [
        st.Page("pages/alerts.py", title="Alerts", icon=":material/notifications_active:", url_path="alerts"),
        st.Page("pages/reports.py", title="Reports", icon=":material/description:", url_path="reports"),
        st.Page("pages/calls.py", title="Calls", icon=":material/call:", url_path="calls"),
        st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
        st.Page("pages/metric.py", title="Metric history", icon=":material/query_stats:", url_path="metric"),
    ],
}

page = st.navigation(PAGES)
week_picker()        # app-wide, bound to ?week=N: it survives page switches and bookmarks
with ui.past_the_gate():
    page.run()
