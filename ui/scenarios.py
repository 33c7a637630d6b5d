"""Saved what-if scenarios on /business: read once per data version, saved and deleted through
loaders/scenarios.py (the page never touches the store)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from loaders import scenarios as store
from loaders.errors import BusyError, LoadError
from transforms import fmt
from ui import auth
from ui import data as ui_data

SAVED_KEY = "biz_saved"


@st.cache_data(show_spinner=False, max_entries=4)
def _saved(version: tuple):
    return store.saved(db=Path(version[0]))


@ui_data.or_busy
def saved():
    """The saved scenarios, read once per data version: any session's save writes the database, which
    changes the version, so every session sees it on its next rerun (a read per rerun cost ~60 ms)."""
    return _saved(ui_data.version())


def save_form(levers: dict, outcomes: dict) -> None:
    """Name and save the levers with their outcomes; the note shows above the saved list after the rerun.
    Analysts and admins only (viewers compare and export saved scenarios); the store checks the role again."""
    if not auth.can("scenario"):
        return
    with st.form("biz_save", clear_on_submit=True, border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        name = c1.text_input("Name this scenario", max_chars=store.MAX_NAME, key="biz_name")
        if c2.form_submit_button("Save scenario"):
            try:
                sid = store.save(name, levers, outcomes, actor=auth.actor())
            except (ValueError, BusyError, LoadError) as exc:
                st.error(fmt.md_escape(exc))
            else:
                st.session_state[SAVED_KEY] = f"Saved “{fmt.md_escape(store.clean_name(name))}” as scenario #{sid}."
                st.rerun()


def saved_note() -> None:
    if note := st.session_state.pop(SAVED_KEY, None):
        st.success(note)


def delete_button(container, scenario_id: int, saved_by: str | None) -> None:
    """Delete: an analyst their own scenario, an admin anyone's (the store checks again)."""
    if auth.can("delete_scenario", saved_by) and container.button("Delete", key="biz_delete"):
        ui_data.or_busy(store.delete)(scenario_id, actor=auth.actor())
        st.rerun()
