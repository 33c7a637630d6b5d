"""The sample-history switch: load the 12-week demo history, or remove it (loaders.sample does the work)."""
from __future__ import annotations

import streamlit as st

from loaders import sample as sample_loader
from ui import auth
from ui import data as ui_data


def sample_controls(where: str) -> None:
    """"Load sample history" when none is loaded, else "Remove sample data" (admins only: the loaders check
    again). `where` keeps widget keys unique."""
    if not auth.can("sample"):
        return
    if ui_data.plan_data().sample_batch is None:     # cached on the data version: no connection per rerun
        st.markdown("No history yet? Load **12 weeks of sample data** (plan weeks 1–12, clearly labelled as "
                    "sample) to see trends, pace, velocity and alerts at work. You can remove it in one click.")
        if st.button("Load sample history", key=f"sample_load_{where}", type="primary", icon=":material/science:"):
            with st.spinner("Generating and loading 12 weeks of sample history…"):
                message = ui_data.or_busy(sample_loader.load_sample)(actor=auth.actor())
            st.toast(message)
            st.rerun()
    else:
        st.markdown("Sample history is loaded (batches of kind *sample*). Removing it rolls those batches back; "
                    "the plan's own figures and your uploads stay.")
        if st.button("Remove sample data", key=f"sample_remove_{where}", icon=":material/delete:"):
            with st.spinner("Removing the sample history…"):
                message = ui_data.or_busy(sample_loader.remove_sample)(actor=auth.actor())
            st.toast(message)
            st.rerun()
