"""The headline KPIs: one function per figure, called by the overview, the reports and the workbook.

Each headline is computed from a PlanData (the plan as of a week), so the same function gives the
figure now, a week earlier (the tile's delta) and at every week so far (its sparkline): the last
point of a sparkline is the number on the tile, by construction.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from transforms import fmt, overview, status
from transforms.model import PlanData, memo, remember, target_rows
from transforms.table import Table

SECURITY_ID, COMPLIANCE_ID = "security_score", "compliance_score"
VELOCITY_ID, PIPELINE_ID = "team_velocity_total", "revenue_pipeline_usd"


@dataclass(frozen=True)
class Headline:
    kpi_id: str
    label: str
    value: float | None
    unit: str
    target: float | None
    target_text: str
    status: str
    page: str                       # the page that explains it (url path; "" is the overview)
    detail: str = ""                # a short phrase under the figure ("30 of 40 met")

    @property
    def shown(self) -> str:
        return fmt.value(self.value, self.unit)


def _metric(data: PlanData, kpi_id: str, metric_id: str, label: str, page: str) -> Headline:
    """A headline read straight from a registry metric: its value as of the week against the target in force."""
    rows = target_rows(data, in_force=True)
    row = rows[rows["metric_id"] == metric_id]
    unit = str(data.registry.set_index("metric_id")["unit"].get(metric_id, "number"))
    if row.empty:
        value = data.value(metric_id)
        return Headline(kpi_id, label, value, unit, None, "no target",
                        status.NO_DATA if value is None else status.MET, page)
    r = row.iloc[0]
    value = None if pd.isna(r["value"]) else float(r["value"])
    target = None if pd.isna(r["target"]) else float(r["target"])
    due = "" if pd.isna(r["due_week"]) else f" by week {int(r['due_week'])}"
    return Headline(kpi_id, label, value, unit, target, f"{r['text_as_written']}{due}", r["status"], page)


def health(data: PlanData) -> Headline:
    """The computed health score (Σ weight × category score) against the plan's week-12 target."""
    h = overview.health(data)
    value = None if pd.isna(h.computed) else h.computed
    week, target = h.target if h.target else (None, None)
    state = status.evaluate(value, ">=", target, "higher_better") if target is not None else status.NO_DATA
    return Headline("health", "System health", value, "score", target,
                    f"≥ {fmt.score(target, 0)} by week {week}" if target is not None else "no target", state, "")


def milestones(data: PlanData) -> Headline:
    """Phase milestone targets met, of all milestone targets in the plan."""
    met, total = overview.overall_progress(data)
    share = met / total * 100 if total else None
    state = status.evaluate(share, ">=", 100.0, "higher_better")
    return Headline("milestones", "Milestones met", share, "%", 100.0, f"all {total} by week 12", state, "phases",
                    f"{met} of {total}")


def pipeline(data: PlanData) -> Headline:
    return _metric(data, "pipeline", PIPELINE_ID, "Revenue pipeline (annual)", "business")


def security(data: PlanData) -> Headline:
    return _metric(data, "security", SECURITY_ID, "Security score", "security")


def compliance(data: PlanData) -> Headline:
    return _metric(data, "compliance", COMPLIANCE_ID, "Compliance score", "security")


def velocity(data: PlanData) -> Headline:
    return _metric(data, "velocity", VELOCITY_ID, "Team velocity (7 days)", "teams")


HEADLINES = (health, milestones, pipeline, security, compliance, velocity)


@memo
def headlines(data: PlanData) -> list[Headline]:
    return [fn(data) for fn in HEADLINES]


# --- the same figures at every week so far -----------------------------------------------------

def as_of_week(data: PlanData, snapshot: PlanData, weekly: pd.DataFrame, week: int) -> PlanData:
    """`data` as it stood at the end of `week`, from the week-0 snapshot and the weekly last values
    (loaders.queries.weekly_last over every metric): no database query per week."""
    if week == data.week:
        return data
    rows = pd.concat([snapshot.latest[["metric_id", "value"]].assign(week=0),
                      weekly.loc[weekly["week"] <= week, ["metric_id", "value", "week"]]])
    latest = rows.sort_values("week", kind="stable").drop_duplicates("metric_id", keep="last")
    latest = latest.assign(as_of=pd.NaT, batch_id=pd.NA, n_obs=1).drop(columns="week")
    return replace(data, latest=latest.reset_index(drop=True), week=week, _memo={})


def weekly_values(data: PlanData, snapshot: PlanData, weekly: pd.DataFrame) -> pd.DataFrame:
    """Every headline at weeks 0 … data.week: columns kpi_id, week, value.

    Once per PlanData (its data version and week fix `snapshot` and `weekly`): twelve weeks of
    headlines take ~1.5 s in pandas, and the overview asks on every rerun."""
    return remember(data, ("transforms.kpis.weekly_values",), lambda: _weekly_values(data, snapshot, weekly))


def _weekly_values(data: PlanData, snapshot: PlanData, weekly: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for week in range(0, data.week + 1):
        at = as_of_week(data, snapshot, weekly, week)
        rows += [{"kpi_id": h.kpi_id, "week": week, "value": h.value} for h in headlines(at)]
    return pd.DataFrame(rows, columns=["kpi_id", "week", "value"])


def sparkline(values: pd.DataFrame, kpi_id: str) -> list[float | None]:
    series = values[values["kpi_id"] == kpi_id].sort_values("week")["value"]
    return [None if pd.isna(v) else float(v) for v in series]


def previous(values: pd.DataFrame, kpi_id: str, week: int) -> float | None:
    row = values[(values["kpi_id"] == kpi_id) & (values["week"] == week - 1)]
    return None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])


def delta_text(h: Headline, before: float | None, week: int) -> str | None:
    """"+4.2 vs week 4" in the headline's unit, or None at week 0 / without a figure a week earlier."""
    if week == 0 or h.value is None or before is None:
        return None
    return f"{fmt.change(h.value - before, h.unit)} vs week {week - 1}"


def table(items: list[Headline], week: int) -> Table:
    """The headlines as a table (the workbook's and the reports' view of the same numbers)."""
    frame = pd.DataFrame({"KPI": [h.label for h in items], "kpi_id": [h.kpi_id for h in items],
                          "Value": [h.value for h in items], "unit": [h.unit for h in items],
                          "Target": [h.target_text for h in items], "Target value": [h.target for h in items],
                          "Status": [h.status for h in items], "Week": week})
    return Table(frame, {"kpi_id": "id", "Value": "unit:unit", "Target value": "hidden", "Status": "status",
                         "Week": "hidden"})
