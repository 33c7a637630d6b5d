"""The /data page's load history: who loaded what and when, undo, removing days, and freshness.

Every write goes through the loaders with the signed-in actor (ui/auth.py); the outcome is flashed
by ui/upload.flash and shown at the top of the page after the rerun.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders import load, removal
from loaders.errors import BusyError, LoadError
from transforms import fmt
from ui import auth
from ui.upload import flash


def history_sentence(batches: pd.DataFrame) -> str:
    """'3 batches: 2 upload, 1 sample.' in words people use."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in batches["kind"].value_counts().items())
    return f"**{fmt.count(len(batches), 'batch', 'batches')}**" + (f": {kinds}." if kinds else ".")


def history_frame(batches: pd.DataFrame) -> pd.DataFrame:
    if batches.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "batch": batches["batch_id"], "file": batches["file_name"], "sha256": batches["sha256"].str[:12],
        "table": batches["table_name"], "rows": batches["row_count"],
        "when": pd.to_datetime(batches["loaded_at"]).dt.strftime("%Y-%m-%d %H:%M"), "kind": batches["kind"],
        "by": batches["loaded_by"], "via": batches["loaded_via"].fillna("") if "loaded_via" in batches else "",
        "period": ["" if pd.isna(a) else f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} – {b:%Y-%m-%d}"
                   for a, b in zip(batches["period_start"], batches["period_end"])],
        "replaced": batches["replaced_rows"].fillna(0).astype(int),
        "rolled back": [(f"yes, {t:%Y-%m-%d %H:%M}" + (f" by {b}" if isinstance(b, str) else "")) if pd.notna(t)
                        else "no" for t, b in zip(batches["rolled_back_at"], batches.get("rolled_back_by", [None] * len(batches)))],
    })


def undo_controls(batches: pd.DataFrame) -> None:
    """Pick a batch, confirm, roll it back (its rows go; the rows it replaced come back). An analyst is offered
    their own batches, an admin every one, a viewer none."""
    me = auth.actor()
    if not me.can("undo", me.who):
        return
    undoable = batches[(batches["kind"] != "plan") & batches["rolled_back_at"].isna()]
    undoable = undoable[[me.can("undo", by) for by in undoable["loaded_by"]]]
    if undoable.empty:
        st.caption("No batch you can undo: the plan's own data (batches of kind *plan*) cannot be rolled back"
                   + ("" if me.role == "admin" else ", and an analyst undoes only their own batches") + ".")
        return
    labels = {int(b.batch_id): f"batch {b.batch_id} · {b.file_name} · {b.row_count:,} rows · {b.kind}"
              for b in undoable.itertuples()}
    batch = st.selectbox("Undo a batch", list(labels), format_func=labels.get, key="undo_batch")
    sure = st.checkbox(f"Yes, roll back batch {batch}: remove its rows and bring back the rows it replaced",
                       key=f"undo_confirm_{batch}")
    if st.button(f"Undo batch {batch}", disabled=not sure, key="undo", icon=":material/undo:"):
        try:
            flash("success", load.rollback(batch, actor=auth.actor()))
        except (LoadError, BusyError) as exc:
            flash("error", f"Not undone: {exc}")
        st.rerun()


REMOVE_SCOPES = {"every metric": None, "metrics_daily figures": "metrics_daily",
                 "team_metrics_daily figures": "team_metrics_daily",
                 "compliance_metrics_daily figures": "compliance_metrics_daily", "chosen metrics": "observations"}


def removal_controls(latest, registry_ids: list[str]) -> None:
    """Remove days: pick days and what, see what goes, confirm; one batch that undo brings back (analysts)."""
    if not auth.can("remove_days"):
        return
    with st.expander("Remove days — their values stop counting, as one batch that Undo brings back"):
        with st.form("remove_days_form", border=False):
            c1, c2, c3 = st.columns(3)
            start = c1.date_input("From", value=latest, key="rm_from")
            end = c2.date_input("To", value=latest, key="rm_to")
            scope = c3.selectbox("What", list(REMOVE_SCOPES), key="rm_scope")
            ids = st.multiselect("Metrics (for 'chosen metrics')", registry_ids, key="rm_metrics")
            asked = st.form_submit_button("Show what would be removed", icon=":material/preview:")
        if asked:
            table = REMOVE_SCOPES[scope]
            ids = ids if table == "observations" else None
            st.session_state["_removal"] = (start, end, None if table == "observations" else table, ids)
        request = st.session_state.get("_removal")
        if request is None:
            return
        start, end, table, ids = request
        if table is None and ids == []:
            st.warning("Choose at least one metric, or another 'What'.", icon=":material/warning:")
            return
        plan = removal.removal_preview(start, end, table_name=table, metric_ids=ids)
        st.markdown(f"**{fmt.md_escape(removal.removal_label(start, end, table, ids))}**: {fmt.md_escape(plan.sentence())}.")
        if not plan.rows:
            return
        sure = st.checkbox(f"Yes, remove these {plan.rows:,} value{'s' if plan.rows != 1 else ''}",
                           key=f"rm_confirm_{start}_{end}_{table}_{len(ids or [])}")
        if st.button("Remove these days", disabled=not sure, key="remove_days", icon=":material/delete_sweep:"):
            try:
                flash("success", removal.remove_days(start, end, table_name=table, metric_ids=ids,
                                                  actor=auth.actor()).summary())
            except (LoadError, BusyError) as exc:
                flash("error", f"Nothing removed: {exc}")
            st.session_state.pop("_removal", None)
            st.session_state.pop("undo_batch", None)
            st.rerun()


def freshness_frame(data) -> pd.DataFrame:
    """Per KPI with data: latest value, 'as of <date> · batch <id>', and stale when older than its
    freshness_days relative to the latest observation date (never the wall clock)."""
    latest = data.latest.merge(data.registry[["metric_id", "label", "unit", "freshness_days"]], on="metric_id")
    if latest.empty or data.latest_date is None:
        return pd.DataFrame()
    newest = pd.Timestamp(data.latest_date)
    behind = (newest - pd.to_datetime(latest["as_of"])).dt.days
    stale = latest["freshness_days"].notna() & (behind > latest["freshness_days"])
    frame = pd.DataFrame({
        "status": ["⚠️ stale" if s else "✓ fresh" for s in stale], "metric": latest["label"],
        "value": [fmt.value(v, u) for v, u in zip(latest["value"], latest["unit"])],
        "as of": [f"as of {pd.Timestamp(a):%Y-%m-%d} · batch {int(b)}" for a, b in
                  zip(latest["as_of"], latest["batch_id"])],
        "days behind latest": behind.astype(int), "freshness window (days)": latest["freshness_days"],
        "_stale": stale})
    return frame.sort_values(["_stale", "days behind latest", "metric"], ascending=[False, False, True])
