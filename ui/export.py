"""The "Export workbook" button: the computed KPIs as of the app's week, then every live table, in one XLSX.

The /data page places it: `from ui.export import export_workbook_button; export_workbook_button()`.
The workbook is built on click only (it can take seconds on a large history) and cached per data
version and week, so a rerun does not rebuild it.
"""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from loaders import db, queries
from loaders import scenarios as scenario_store
from transforms import workbook
from transforms.export import EXCEL_MAX_ROWS, to_xlsx_bytes
from ui import data as ui_data

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(show_spinner=False, max_entries=2)
def _workbook(version: tuple, week: int | None = None) -> bytes:
    with db.connect() as con:
        tables = queries.export_tables(con, EXCEL_MAX_ROWS - 1)
        batches = queries.batches(con)
    data = ui_data.plan_data(week)
    stored = {name: frame for name, (frame, _) in tables.items()}
    sheets = workbook.sheets(data, stored, scenario_store.saved())
    readme = workbook.readme(data, batches, exported_at=datetime.now())
    for name, (frame, total) in tables.items():
        if total > len(frame):
            readme[f"note: {name}"] = f"{len(frame):,} of {total:,} rows (Excel's sheet limit); export it as CSV for all"
    return to_xlsx_bytes(sheets, readme)


def file_name(week: int | None) -> str:
    data = ui_data.plan_data(week)
    return f"dce-metrics-week{data.week}.xlsx"


def export_workbook_button(key: str = "export_workbook") -> None:
    """A download button for the KPIs as of the app's week and the whole database, as one workbook."""
    from ui.widgets import picked_week
    version, week = ui_data.version(), picked_week()
    st.download_button("⬇ Export workbook (XLSX)", lambda: _workbook(version, week), file_name=file_name(week),
                       mime=MIME, key=key, on_click="ignore",
                       help="The KPIs with their status as of the week picked in the sidebar, then every table, "
                            "one sheet each, with a README sheet; dates are dates, numbers are numbers, and text "
                            "cells can never run as formulas.")
