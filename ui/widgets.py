"""Small rendering helpers every page uses: a table with its CSV download, banners, the week picker."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from transforms.calendar import PLAN_WEEKS, week_end
from transforms.export import to_csv_bytes
from transforms.model import PlanData

MAX_TABLE_ROWS = 1000   # tables send at most this many rows to the browser; the CSV has them all


def table(frame: pd.DataFrame, name: str, *, caption: str | None = None, height: int | str = "auto",
          column_config: dict | None = None) -> None:
    """A table, then a CSV download of exactly what it shows (all rows)."""
    shown = frame.head(MAX_TABLE_ROWS)
    st.dataframe(shown, hide_index=True, height=height, column_config=column_config)
    # One horizontal container, not st.columns (a row and two column blocks): a lighter page to lay out.
    row = st.container(horizontal=True, vertical_alignment="center")
    # Deferred: the CSV is built only when someone clicks, not on every rerun.
    row.download_button("⬇ CSV", lambda: to_csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv",
                            key=f"csv_{name}", on_click="ignore")
    note = caption or ""
    if len(frame) > MAX_TABLE_ROWS:
        note = f"Showing the first {MAX_TABLE_ROWS:,} of {len(frame):,} rows; the CSV has them all. " + note
    if note:
        row.caption(note)


def week_picker(data_week: int) -> int | None:
    """The sidebar "as of plan week" selector; None means "follow the data" (week `data_week`)."""
    options = ["Latest data"] + [f"Week {w}" for w in range(0, PLAN_WEEKS + 1)]
    choice = st.sidebar.selectbox("As of", options, key="as_of_week",
                                  help=f"The data reaches plan week {data_week}. Pick a week to see the "
                                       "plan as it stood then.")
    return None if choice == "Latest data" else int(choice.split()[1])


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
