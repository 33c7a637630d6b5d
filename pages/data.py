"""Data: templates, upload → validate → preview → Load (one batch), load history with undo, freshness.
Write controls show by role (ui/auth.py); the loaders check the role again."""
import streamlit as st

from loaders.errors import BusyError, LoadError
from transforms import fmt
from ui import data as ui_data
from ui import auth, upload, widgets
from ui.export import export_workbook_button
from ui.sample import sample_controls

try:
    data = ui_data.plan_data()
except BusyError as exc:        # a long CLI load holds the file past the read retries
    st.title("Data")
    st.warning(f"Busy, retry in a moment: {fmt.md_escape(exc)}", icon=":material/hourglass_top:")
    st.stop()

st.title("Data")
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
    else:
        first, error = upload.prepared_for(uploaded, choice, {}, {})
        results = st.container()            # the preview and report go above the mapping that changes them
        column_map, metric_map = {}, {}
        if first is not None and not first.ok:
            column_map, metric_map = upload.mapping_controls(first, list(data.registry["metric_id"]))
        prepared, error = upload.prepared_for(uploaded, choice, column_map, metric_map)
        with results:
            if error is not None:
                if isinstance(error, LoadError):
                    upload.report(error, uploaded.name)
                    if upload.needs_table_choice(error):
                        st.info("Choose the **Target table** above: the report will then name each column it does "
                                "not know, and you can map it.", icon=":material/arrow_forward:")
                else:
                    st.warning(f"Busy, retry: {fmt.md_escape(error)}", icon=":material/hourglass_top:")
            elif not prepared.ok:
                upload.preview(prepared)
                upload.report(prepared.validated.problems, prepared.file_name)
            else:
                upload.preview(prepared)
                upload.replacement(prepared)
else:
    st.caption(f"You have the **{auth.actor().role}** role: loading files, undo and removing days need an analyst "
               "(or admin). Every page and export is yours.")

st.subheader("Load history")
batches = data.batches
st.markdown(f"**{len(batches)}** batches: " + ", ".join(
    f"{n} {kind}" for kind, n in batches["kind"].value_counts().items()) + ". Undo rolls a batch back: its rows "
            "are removed and the rows it had replaced become current again.")
widgets.table(upload.history_frame(batches), "load_history")
upload.undo_controls(batches)
upload.removal_controls(data.latest_date, list(data.registry["metric_id"]))

st.subheader("Freshness")
fresh = upload.freshness_frame(data)
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
