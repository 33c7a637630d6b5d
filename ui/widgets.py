"""Small rendering helpers every page uses: a table with its CSV download, banners, the week picker."""
from __future__ import annotations

from urllib.parse import quote_plus

import pandas as pd
import streamlit as st

from transforms.calendar import PLAN_WEEKS, week_end
from transforms.export import to_csv_bytes
from transforms.fmt import md_escape
from transforms.table import Table, as_display, as_export
from transforms.model import PlanData

MAX_TABLE_ROWS = 1000   # tables send at most this many rows to the browser; the CSV has them all
STATIC_ROWS = 30        # up to this many rows a table is static HTML: text wraps, nothing is cut at any width


def table(frame: pd.DataFrame | Table, name: str, *, caption: str | None = None, height: int | str = "auto",
          column_config: dict | None = None) -> None:
    """A table as people read it, then a CSV download of it as data (all rows, raw values, units in headers).

    `frame` is a transforms.table.Table (display and export views) or a DataFrame that is data already."""
    shown = as_display(frame)
    total = len(shown)
    if total <= STATIC_ROWS and height == "auto":
        st.table(_static(frame, shown), hide_index=True, border="horizontal")
    else:
        shown, config = _with_history_links(frame, shown, column_config)
        st.dataframe(shown.head(MAX_TABLE_ROWS), hide_index=True, height=height, column_config=config)
    # One horizontal container, not st.columns (a row and two column blocks): a lighter page to lay out.
    row = st.container(horizontal=True, vertical_alignment="center")
    # Deferred: the CSV is built only when someone clicks, not on every rerun.
    # Quiet (tertiary, a small icon and "CSV"): one per table without a row of buttons shouting on the page.
    row.download_button("CSV", lambda: to_csv_bytes(as_export(frame)), file_name=f"{name}{week_suffix()}.csv",
                        mime="text/csv", key=f"csv_{name}", on_click="ignore", type="tertiary",
                        icon=":material/download:", help="This table as data: numbers, ISO dates, units in headers")
    note = caption or ""
    if total > MAX_TABLE_ROWS:
        note = f"Showing the first {MAX_TABLE_ROWS:,} of {total:,} rows; the CSV has them all. " + note
    if note:
        row.caption(note)


def _static(frame, shown: pd.DataFrame) -> pd.DataFrame:
    """A short table for st.table: every cell is Markdown there, so each is escaped (md_escape: a cell
    shows the characters it holds, a file name never becomes a link or an image) and a metric row gets
    its History link written as Markdown."""
    out = shown.map(lambda v: md_escape(v) if isinstance(v, str) else ("" if v is None or v is pd.NA else v))
    out.columns = [md_escape(c) for c in out.columns]
    links = _history_urls(frame)
    if links is not None:
        out["History"] = [f"[history]({url})" if url else "" for url in links]
    return out


def _history_urls(frame) -> list[str] | None:
    """Each row's metric history URL (same week), for a Table whose rows are metrics; else None."""
    if not isinstance(frame, Table) or frame.kind("metric_id") != "id":
        return None
    registry = ui_data_registry()
    labels = dict(zip(registry["metric_id"], registry["label"]))
    week = st.session_state.get("_shown_week")
    suffix = "" if week is None else f"&week={week}"
    return [f"metric?metric={quote_plus(labels[m])}{suffix}" if m in labels else "" for m in frame.data["metric_id"]]


def _with_history_links(frame, shown: pd.DataFrame, column_config: dict | None):
    """A table whose rows are metrics gets a link to each metric's history page (same week)."""
    config = dict(column_config or {})
    links = _history_urls(frame)
    if links is None or "History" in shown:
        return shown, config
    config["History"] = st.column_config.LinkColumn("History", display_text="history", width="small",
                                                    help="Open the metric's targets, chart and observations")
    return shown.assign(History=links), config


def ui_data_registry() -> pd.DataFrame:
    from ui import data as ui_data
    return ui_data.plan_data().registry


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


def kpi_tile(headline, delta: str | None, spark: list[float]) -> None:
    """A headline KPI: status (colour and word), value, target, change since last week, sparkline."""
    from transforms import status
    from ui import charts
    with st.container(border=True):
        st.badge(status.badge(headline.status), color=status.COLOUR_NAME[headline.status])
        still = delta is None or delta.startswith("±")          # no change: no arrow, no colour
        st.metric(headline.label, headline.shown, delta, delta_arrow="off" if still else "auto",
                  delta_color="off" if still else "normal", help=f"Target: {headline.target_text}")
        # An SVG image, not st.metric's chart_data: that draws with Vega, whose runtime the browser
        # would load and run for six sparklines on the first page anyone opens.
        line = charts.sparkline(spark, headline.status)
        if line is not None:
            st.image(line, width="stretch")
        st.caption(" · ".join(p for p in (headline.detail, f"target {headline.target_text}") if p))


ATTENTION_SHOWN = 8
STATE_COLOURS = {"firing": "red", "pending": "orange", "off track": "red", "at risk": "orange",
                 "not_met": "red", "partial": "orange", "no_data": "gray"}


def attention_list(items) -> None:
    """Each item: its state (colour and word), what it is, and a link to the page that explains it
    (the week is kept: it lives in the URL)."""
    from transforms.attention import PAGE_TITLES
    from transforms.fmt import md_escape
    from transforms.status import LABEL
    if not items:
        st.success("Nothing needs attention this week.", icon=":material/check_circle:")
        return
    for item in items[:ATTENTION_SHOWN]:
        row = st.container(horizontal=True, vertical_alignment="center", gap="small")
        word = LABEL.get(item.state, item.state).lower()
        row.markdown(f":{STATE_COLOURS.get(item.state, 'gray')}-badge[{word}] {md_escape(item.text)}", width="content")
        row.page_link(f"pages/{item.page or 'overview'}.py", label=PAGE_TITLES.get(item.page, item.page),
                      icon=":material/arrow_forward:")
    if len(items) > ATTENTION_SHOWN:
        st.caption(f"… and {len(items) - ATTENTION_SHOWN} more: see Alerts and Phases.")
