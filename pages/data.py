"""Data: templates, upload → validate → preview → Load (one batch), load history with undo, freshness.
Write controls show by role (ui/auth.py); the loaders check the role again."""
import streamlit as st

from ui import data as ui_data
from ui import auth, calls, history, upload, widgets
from ui.export import export_workbook_button
from ui.sample import sample_controls
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

st.title("Data")
data = ui_data.plan_data()          # a long CLI load holding the file past the retries: "busy", and stop
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
upload.show_flash()

st.markdown("Upload the plan's daily tables (`metrics_daily`, `team_metrics_daily`, `compliance_metrics_daily`) "
            "as they stand, long observations (`metric_id, as_of, value`), or the plan's daily collector JSON. "
            "Every file is validated before anything is written; a load is one batch that you can undo. A load "
            "replaces exactly the values it holds (a metric on a day); days it does not contain are never "
            "touched, and removing days is its own action below. The same file twice changes nothing.")

with st.expander("Templates: the expected shape of each table (CSV, XLSX, JSON)"):
    upload.template_buttons()

if auth.can("load"):
    st.subheader("Upload")
    left, right = st.columns([3, 1])
    uploaded = upload.uploader(left)
    choice = right.selectbox("Target table", upload.table_options(), key="upload_table",
                             help="Auto-detect picks the table from the column names.")

    if uploaded is None:
        upload.forget()
        calls.forget()
    elif calls.claims(uploaded, choice):        # a call export (Ringba, Retreaver, CDR): the call-record importer
        calls.upload_flow(uploaded)
    else:
        upload.review(uploaded, choice, list(data.registry["metric_id"]))
else:
    st.caption(f"You have the **{auth.actor().role}** role: loading files, undo and removing days need an analyst "
               "(or admin). Every page and export is yours.")

st.subheader("Load history")
batches = data.batches
st.markdown(history.history_sentence(batches) + " Undo rolls a batch back: its rows "
            "are removed and the rows it had replaced become current again.")
widgets.table(history.history_frame(batches), "load_history")
history.undo_controls(batches)
history.removal_controls(data.latest_date, list(data.registry["metric_id"]))

st.subheader("Freshness")
fresh = history.freshness_frame(data)
if fresh.empty:
    st.info("No observations yet.")
else:
    n_stale = int(fresh["_stale"].sum())
    st.markdown(f"The latest observation is from **{data.latest_date:%d %b %Y}**. **{n_stale} of {len(fresh)}** "
                "KPIs are stale: their latest value is older than their freshness window, counted back from "
                "that date (not from today).")
    widgets.table(fresh.drop(columns="_stale"), "freshness")

st.subheader("Sample data and export")
sample_controls("data")
export_workbook_button()

if auth.can("roles"):
    st.subheader("Access")
    auth.roles_editor()
