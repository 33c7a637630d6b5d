"""The "Export workbook" button: every live table in one XLSX (README sheet first), safe to open.

The /data page places it: `from ui.export import export_workbook_button; export_workbook_button()`.
The workbook is built on click only (it can take seconds on a large history) and cached per data
version, so a rerun does not rebuild it.
"""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from loaders import db, queries
from transforms.export import EXCEL_MAX_ROWS, to_xlsx_bytes
from ui import data as ui_data

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=2)
def _workbook(version: tuple) -> bytes:
    with db.connect() as con:
        tables = queries.export_tables(con, EXCEL_MAX_ROWS - 1)
        latest = queries.latest_date(con)
        batches = queries.batches(con)
    live = batches[batches["rolled_back_at"].isna()]
    readme = {
        "workbook": "DCE Metrics Tracker: every table as stored (tracked tables: live rows only)",
        "data as of": f"{latest:%Y-%m-%d}" if latest is not None else "no observations",
        "exported at": f"{datetime.now():%Y-%m-%d %H:%M}",
        "live batches": ", ".join(f"{b.batch_id} ({b.kind}: {b.file_name})" for b in live.itertuples()) or "none",
        "text cells": "a text cell that began with = + - @ or a control character starts with ' (CSV/formula "
                      "injection guard); numbers are real numbers",
    }
    for name, (frame, total) in tables.items():
        if total > len(frame):
            readme[f"note: {name}"] = f"{len(frame):,} of {total:,} rows (Excel's sheet limit); export it as CSV for all"
    return to_xlsx_bytes({name: frame for name, (frame, _) in tables.items()}, readme)


def file_name() -> str:
    latest = ui_data.plan_data().latest_date
    return f"dce-metrics-{latest:%Y%m%d}.xlsx" if latest is not None else "dce-metrics.xlsx"


def export_workbook_button(key: str = "export_workbook") -> None:
    """A download button for the whole database as one workbook."""
    version = ui_data.version()
    st.download_button("⬇ Export workbook (XLSX)", lambda: _workbook(version), file_name=file_name(), mime=MIME, key=key,
                       on_click="ignore", help="Every table, one sheet each, with a README sheet "
                                               "(as-of date, batches); text cells can never run as formulas.")
