"""Technical performance: the SLA targets, current performance, load testing, and the latency chart."""
from __future__ import annotations

import pandas as pd

from transforms import fmt
from transforms.model import kpi_table
from transforms.table import Table

LATENCY_METRICS = ("api_latency_p50_ms", "api_latency_p95_ms", "api_latency_p99_ms")


def sla_table(rows: pd.DataFrame) -> pd.DataFrame:
    """SLA rows (section `sla`): SLA, Target, Current, Status, Pace."""
    return kpi_table(rows, {"label": "SLA", "text_as_written": "Target", "current": "Current",
                            "status_badge": "Status", "pace": "Pace"})


def performance_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Current performance (section `current_performance`) with the plan's Action Required note."""
    # the action stays relevant only while the target is not met
    actions = rows["note"].where(rows["status"] != "met", "— (target met)")
    return kpi_table(rows.assign(note=actions), {"label": "Component", "current": "Current",
                                                 "text_as_written": "Target", "status_badge": "Status",
                                                 "pace": "Pace", "note": "Action required"})


def load_table(rows: pd.DataFrame) -> pd.DataFrame:
    return kpi_table(rows, {"label": "Test scenario", "current": "Current capacity", "text_as_written": "Target capacity",
                            "status_badge": "Status", "pace": "Pace"})


def latency_lines(history: pd.DataFrame, sla_rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """(history of the latency percentiles with readable names, {percentile: SLA limit in ms})."""
    names = {"api_latency_p50_ms": "p50", "api_latency_p95_ms": "p95", "api_latency_p99_ms": "p99"}
    limits = {names[m]: float(t) for m, t in zip(sla_rows["metric_id"], sla_rows["target"]) if m in names}
    return history.assign(percentile=history["metric_id"].map(names), value=history["value"].round(1)), limits


def latency_table(lines: pd.DataFrame) -> Table:
    """The chart's points as a table: one row per day, a column per percentile (in ms)."""
    table = lines.pivot_table(index="as_of", columns="percentile", values="value").reset_index()
    table = table.rename(columns={"as_of": "Date"}).rename_axis(columns=None)
    return Table(table, {"Date": "date", **{p: "ms" for p in table.columns if p != "Date"}})


def enough_history(history: pd.DataFrame) -> bool:
    """A trend needs at least two observations of one series."""
    return bool(len(history)) and int(history.groupby("metric_id").size().max()) >= 2


def up_to(history: pd.DataFrame, day) -> pd.DataFrame:
    """The history as it stood on `day` (None: all of it)."""
    if day is None or history.empty:
        return history
    return history[pd.to_datetime(history["as_of"]) <= pd.Timestamp(day)]


def latency_sentence(lines: pd.DataFrame, limits: dict[str, float]) -> str:
    """"Latest: p50 17.8 ms (SLA < 10 ms), …" """
    last = lines.sort_values("as_of").groupby("percentile")["value"].last()
    return "Latest: " + ", ".join(
        f"**{p} {fmt.value(v, 'ms')}** (SLA < {fmt.value(limits[p], 'ms')})" if p in limits else f"**{p} {fmt.value(v, 'ms')}**"
        for p, v in last.items()) + "."
