"""The investment assumption's editor on /business: three numbers, saved through loaders/assumptions.py."""
from __future__ import annotations

import streamlit as st

from loaders import assumptions
from loaders.errors import LoadError
from ui import auth
from transforms import fmt
from transforms.projection import Baseline, Investment


def investment_editor(base: Baseline, lever_key: str) -> None:
    """An expander with the investment's parts; Save stores them (and moves the what-if lever `lever_key`
    to the new total), "Back to the plan's default" stores the default from the plan's teams."""
    inv = base.investment
    with st.expander(f"Investment assumption: {inv.basis(fmt.money)}"):
        st.caption(f"Currently {inv.provenance()}. The ROI on this page, its what-if and both weekly reports "
                   "divide by this figure.")
        if not auth.can("assumption"):
            return              # viewers read it; analysts edit it (the loader checks again)
        with st.form("biz_inv_form", border=False):
            c = st.columns(3)
            people = c[0].number_input("People", 1, 1000, inv.people, 1, key="biz_inv_people")
            cost = c[1].number_input("Loaded cost per person-week ($)", 1.0, 1e6, float(inv.cost_per_week), 100.0,
                                     key="biz_inv_cost")
            weeks = c[2].number_input("Weeks", 1, 520, inv.weeks, 1, key="biz_inv_weeks")
            c[1].caption(f"saved: {fmt.money(inv.cost_per_week, exact=True)} a person-week")
            b = st.columns([1, 1, 3])
            save, reset = b[0].form_submit_button("Save"), b[1].form_submit_button("Back to the plan's default")
        if not (save or reset):
            return
        chosen = Investment.default(base.people) if reset else Investment(int(people), float(cost), int(weeks))
        try:
            assumptions.save(chosen.values(), actor=auth.actor())
        except (ValueError, LoadError) as exc:
            st.error(str(exc))
            return
        st.session_state[lever_key] = float(chosen.total)      # the what-if starts from the new figure
        st.rerun()
