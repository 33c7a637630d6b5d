"""DCE Metrics Tracker: navigation only. Each page lives in pages/ under a stable URL."""
import streamlit as st

st.set_page_config(page_title="DCE Metrics Tracker", page_icon="📊", layout="wide")

PAGES = {
    "Plan": [
        st.Page("pages/overview.py", title="Executive overview", icon="📊", default=True),
        st.Page("pages/phases.py", title="Phases", icon="🗓️", url_path="phases"),
        st.Page("pages/business.py", title="Business impact", icon="💰", url_path="business"),
        st.Page("pages/technical.py", title="Technical", icon="⚙️", url_path="technical"),
        st.Page("pages/security.py", title="Security & compliance", icon="🔒", url_path="security"),
        st.Page("pages/teams.py", title="Teams", icon="👥", url_path="teams"),
    ],
    "Operate": [
        st.Page("pages/alerts.py", title="Alerts", icon="🚨", url_path="alerts"),
        st.Page("pages/reports.py", title="Reports", icon="📝", url_path="reports"),
        st.Page("pages/data.py", title="Data", icon="🗄️", url_path="data"),
    ],
}

st.navigation(PAGES).run()
