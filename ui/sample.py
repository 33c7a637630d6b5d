"""The sample-history switch: load the 12-week demo history, or remove it (loaders.sample does the work)."""
from __future__ import annotations

import streamlit as st

from loaders import db, queries
from loaders import sample as sample_loader


def _active() -> bool:
    with db.connect() as con:
        return bool(queries.sample_batches(con))


def sample_controls(where: str) -> None:
    """"Load sample history" when none is loaded, else "Remove sample data". `where` keeps widget keys unique."""
    if not _active():
        st.markdown("No history yet? Load **12 weeks of sample data** (plan weeks 1–12, clearly labelled as "
                    "sample) to see trends, pace, velocity and alerts at work. You can remove it in one click.")
        if st.button("Load sample history", key=f"sample_load_{where}", type="primary", icon="🧪"):
            with st.spinner("Generating and loading 12 weeks of sample history…"):
                message = sample_loader.load_sample()
            st.toast(message)
            st.rerun()
    else:
        st.markdown("Sample history is loaded (batches of kind *sample*). Removing it rolls those batches back; "
                    "the plan's own figures and your uploads stay.")
        if st.button("Remove sample data", key=f"sample_remove_{where}", icon="🗑️"):
            with st.spinner("Removing the sample history…"):
                message = sample_loader.remove_sample()
            st.toast(message)
            st.rerun()
