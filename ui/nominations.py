"""The nomination form on /teams: individual recognition recorded in the database (loaders.nominations)."""
from __future__ import annotations

import streamlit as st

from loaders import nominations as store
from loaders import templates
from loaders.errors import BusyError, LoadError
from transforms import fmt
from ui import auth

AWARDS = store.AWARDS            # award → what it recognises (the plan's individual recognition)
NOTE_KEY, ERROR_KEY = "_nomination_saved", "_nomination_error"


def _submit() -> None:
    """Record what the form holds. On success the person and the reason are cleared (team, award, week and
    nominator stay for the next one); on a refusal everything typed stays, to be corrected."""
    state = st.session_state
    try:
        nomination_id = store.record(state["nom_person"], state["nom_team"], state["nom_award"], int(state["nom_week"]),
                                     state["nom_reason"], nominated_by=state.get("nom_by") if auth.mode() == "local"
                                     else None, actor=auth.actor())
    except (ValueError, BusyError, LoadError) as exc:
        state[ERROR_KEY] = f"Not recorded: {exc}"
    else:
        state[NOTE_KEY] = f"Nomination #{nomination_id} recorded for week {state['nom_week']}."
        state["nom_person"], state["nom_reason"] = "", ""


def nomination_form(teams: list[str], week: int) -> None:
    """Person, team, award, plan week (default `week`), reason and who nominates. Messages never repeat what
    was typed (they render as Markdown); the listing shows it in table cells. Analysts and admins only; signed in,
    the nominator is who is signed in (typed only in local mode, where nobody is)."""
    me = auth.actor()
    if not me.can("nominate"):
        st.caption("Nominating needs the analyst role.")
        return
    if note := st.session_state.pop(NOTE_KEY, None):
        st.success(note)
    if error := st.session_state.pop(ERROR_KEY, None):
        st.error(error)
    with st.form("nominate", clear_on_submit=False):
        left, right = st.columns(2)
        left.text_input("Person", max_chars=store.MAX_NAME, key="nom_person")
        right.selectbox("Team", teams, key="nom_team")
        left.selectbox("Award", list(store.AWARDS), format_func=lambda a: f"{a} — {store.AWARDS[a]}", key="nom_award")
        weeks = list(range(store.FIRST_WEEK, store.LAST_WEEK + 1))
        right.selectbox("For plan week", weeks, index=weeks.index(min(max(week, 1), store.LAST_WEEK)), key="nom_week")
        st.text_area("Why", max_chars=store.MAX_REASON, placeholder="What they did, and its effect", key="nom_reason")
        if auth.mode() == "local":
            st.text_input("Nominated by", max_chars=store.MAX_NAME, help="Your name (empty: the server's login name)",
                          key="nom_by")
        else:
            st.caption(f"Nominated by {fmt.md_escape(me.who)}")
        st.form_submit_button("Record nomination", icon=":material/military_tech:", on_click=_submit)


def award_figures_template(metric_ids: list[str], day, week: int) -> None:
    """A CSV to fill in with the per-team award figures the plan's tables have no column for."""
    st.download_button("⬇ Template: this week's integrations and business value (CSV)", on_click="ignore",
                       data=templates.observation_rows(metric_ids, day),
                       file_name=f"team_recognition_week{week}.csv", mime="text/csv")
