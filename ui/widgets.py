"""Small rendering helpers every page uses: a table with its CSV download, banners, the week picker."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from transforms.calendar import PLAN_WEEKS, week_end
from transforms.export import to_csv_bytes
from transforms.table import Table, as_display, as_export
from transforms.model import PlanData

MAX_TABLE_ROWS = 1000   # tables send at most this many rows to the browser; the CSV has them all


def table(frame: pd.DataFrame | Table, name: str, *, caption: str | None = None, height: int | str = "auto",
          column_config: dict | None = None) -> None:
    """A table as people read it, then a CSV download of it as data (all rows, raw values, units in headers).

    `frame` is a transforms.table.Table (display and export views) or a DataFrame that is data already."""
    shown = as_display(frame)
    total = len(shown)
    st.dataframe(shown.head(MAX_TABLE_ROWS), hide_index=True, height=height, column_config=column_config)
    # One horizontal container, not st.columns (a row and two column blocks): a lighter page to lay out.
    row = st.container(horizontal=True, vertical_alignment="center")
    # Deferred: the CSV is built only when someone clicks, not on every rerun.
    row.download_button("⬇ CSV", lambda: to_csv_bytes(as_export(frame)), file_name=f"{name}{week_suffix()}.csv",
                        mime="text/csv", key=f"csv_{name}", on_click="ignore")
    note = caption or ""
    if total > MAX_TABLE_ROWS:
        note = f"Showing the first {MAX_TABLE_ROWS:,} of {total:,} rows; the CSV has them all. " + note
    if note:
        row.caption(note)


WEEK_KEY = "week"        # the as-of week's session key and URL parameter (?week=5)


def week_picker() -> None:
    """The app-wide "as of plan week" selector, rendered once by app.py.

    Bound to the URL (?week=5): links, bookmarks and page switches keep the week (Streamlit keeps a
    parameter bound to a widget of the entrypoint across page changes). Empty = follow the data."""
    st.sidebar.selectbox("As of plan week", list(range(PLAN_WEEKS + 1)), index=None, format_func=str,
                         placeholder="Latest data", key=WEEK_KEY, bind="query-params",
                         help="Every page, report and export shows the plan as it stood at the end of this "
                              "week. Empty: the latest data.")


def picked_week() -> int | None:
    """The week picked in the sidebar (or given as ?week= when a page runs without app.py), else None."""
    week = st.session_state.get(WEEK_KEY)
    if week is None and WEEK_KEY not in st.session_state:
        raw = st.query_params.get(WEEK_KEY)
        week = int(raw) if raw is not None and raw.isdigit() and int(raw) <= PLAN_WEEKS else None
    return week


def week_suffix() -> str:
    """"_week5" for the file names of exports, so a download says which week it holds."""
    week = st.session_state.get("_shown_week")
    return "" if week is None else f"_week{week}"


def sample_banner(data: PlanData) -> None:
    if data.sample_batch is not None:
        st.info(f"Showing **sample data** (batch {data.sample_batch}), generated to demonstrate trends and "
                "alerts — not real figures. Remove it on the Data page.", icon=":material/science:")


def as_of_caption(data: PlanData) -> str:
    if data.latest_date is None:
        return "No observations yet."
    shown = week_end(data.week, data.start) if data.week != data.data_week else data.latest_date
    return (f"As of plan week {data.week} of {PLAN_WEEKS} · data through {pd.Timestamp(shown):%d %b %Y} · "
            f"plan week 1 starts {data.start:%a %d %b %Y}")
