"""What the exported workbook holds: the KPIs as of a week first, then every stored table as data.

Pure pandas: ui/export.py reads the tables and hands them here; transforms/export.py writes the bytes.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from transforms import kpis, model
from transforms.model import PlanData
from transforms.scenarios import flat

KPI_COLUMNS = {"label": "Metric", "section": "Section", "text_as_written": "Target", "current": "Current",
               "status_badge": "Status", "team": "Team"}


def kpi_sheet(data: PlanData) -> pd.DataFrame:
    """Every metric with a target: the target in force at the week, the value as of it, its status."""
    rows = model.target_rows(data, in_force=True)
    return model.kpi_table(rows, KPI_COLUMNS).export()


def with_labels(observations: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Observations with each metric's label and unit beside its id."""
    names = registry[["metric_id", "label", "unit"]]
    out = observations.merge(names, on="metric_id", how="left")
    order = ["metric_id", "label", "unit"] + [c for c in observations.columns if c != "metric_id"]
    return out[order]


def sheets(data: PlanData, stored: dict[str, pd.DataFrame], saved_scenarios: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The workbook's sheets in order: the headline KPIs (the overview's tiles, transforms/kpis.py) and every
    metric with a target, as of the week; then the stored tables (readable forms)."""
    out = {f"Headlines week {data.week}": kpis.table(kpis.headlines(data), data.week).export(),
           f"KPIs week {data.week}": kpi_sheet(data)}
    for name, frame in stored.items():
        if name == "observations":
            frame = with_labels(frame, data.registry)
        elif name == "scenarios":
            frame = flat(saved_scenarios) if len(saved_scenarios) else frame.drop(
                columns=["levers_json", "outcomes_json"], errors="ignore")
        out[name] = frame
    return out


def _by(batch) -> str:
    who = getattr(batch, "loaded_by", None)
    return f", by {who}" if isinstance(who, str) and who else ""


def readme(data: PlanData, batches: pd.DataFrame, exported_at: datetime) -> dict:
    live = batches[batches["rolled_back_at"].isna()] if "rolled_back_at" in batches else batches
    return {
        "workbook": "DCE Metrics Tracker: the KPIs as of the week below, then every table as stored "
                    "(tracked tables: live rows only)",
        "as of plan week": data.week,
        "figures as of": data.as_of,
        "data as of": data.latest_date if data.latest_date is not None else "no observations",
        "exported at": exported_at.replace(microsecond=0),
        "live batches": ", ".join(f"{b.batch_id} ({b.kind}: {b.file_name}{_by(b)})" for b in live.itertuples()) or "none",
        "batches sheet": "every load with who loaded it (loaded_by), from where (loaded_via: page, cli, import, "
                         "script, build) and, once undone, when and by whom (rolled_back_at, rolled_back_by)",
        "units": "a column header names its unit, e.g. 'Target value'; 'Unit' columns give per-row units",
        "text cells": "a text cell that began with = + - @ or a control character starts with ' (CSV/formula "
                      "injection guard); numbers are real numbers",
    }
