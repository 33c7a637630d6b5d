"""One metric's story: what it is, its targets week by week, and every observation with its source batch."""
from __future__ import annotations

import pandas as pd

from transforms import fmt, model
from transforms.model import PlanData
from transforms.table import Table


def describe(data: PlanData, metric_id: str) -> str:
    """"Security score — security, a score (higher is better), owned by Security. Its description." """
    r = data.registry.set_index("metric_id").loc[metric_id]
    direction = {"higher_better": "higher is better", "lower_better": "lower is better",
                 "done": "done when complete"}.get(r["direction"], r["direction"])
    owner = f", owned by {r['team']}" if isinstance(r["team"], str) and r["team"] else ""
    return (f"**{fmt.md_escape(r['label'])}** — {r['category'].replace('_', ' ')}, in {r['unit']} ({direction}){owner}. "
            f"{fmt.md_escape(r['description'])}")


def targets_table(data: PlanData, metric_id: str) -> Table:
    """Every target of the metric with its due week and its status as of the week shown."""
    rows = model.target_rows(data)
    rows = rows[rows["metric_id"] == metric_id].sort_values("due_week", na_position="first")
    rows = rows.assign(section=rows["section"].map(model.section_title))
    return model.kpi_table(rows, {"section": "Section", "due_week": "Due week", "text_as_written": "Target",
                                  "current": "Current", "status_badge": "Status"})


def observations_table(observations: pd.DataFrame, unit: str) -> Table:
    frame = pd.DataFrame({"Date": observations["as_of"], "Value": observations["value"],
                          "Batch": observations["batch_id"], "Source": observations["kind"],
                          "File": observations["file_name"], "Loaded at": observations["loaded_at"]})
    return Table(frame, {"Date": "date", "Value": unit, "Batch": "count", "Loaded at": "datetime"})


def sentence(data: PlanData, metric_id: str, observations: pd.DataFrame) -> str:
    unit = data.registry.set_index("metric_id")["unit"].get(metric_id)
    if observations.empty:
        return f"No observation up to plan week {data.week}: the metric reads *no data* everywhere."
    last = observations.iloc[0]
    first = observations.iloc[-1]
    return (f"**{len(observations):,}** observation{'s' if len(observations) != 1 else ''} up to plan week "
            f"{data.week}; the latest, **{fmt.value(last['value'], unit)}** on {fmt.day(last['as_of'])}, "
            f"is the value every page shows. The first shown is {fmt.value(first['value'], unit)} on "
            f"{fmt.day(first['as_of'])}.")


def target_lines(data: PlanData, metric_id: str) -> list[tuple[float, str]]:
    """Reference lines for the chart: each numeric target, labelled as written with its due week."""
    t = data.targets[(data.targets["metric_id"] == metric_id) & data.targets["value"].notna()]
    t = t.drop_duplicates(["value", "due_week"])
    return [(float(r.value), f"{r.text_as_written}" + ("" if pd.isna(r.due_week) else f" (week {int(r.due_week)})"))
            for r in t.itertuples()]
