"""The plan as one in-memory bundle, and the rows every KPI table is built from.

`PlanData` holds small DataFrames (registry, targets, plan reference tables,
latest values); pages get one from ui.data and pass it to these functions.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from transforms import fmt, status
from transforms.table import Table
from transforms.calendar import DEFAULT_START, current_week, week_end


@dataclass
class PlanData:
    registry: pd.DataFrame
    targets: pd.DataFrame
    plan: dict[str, pd.DataFrame]
    latest: pd.DataFrame                     # metric_id, value, as_of, batch_id, n_obs (as of `week`)
    latest_date: date | None = None          # newest observation overall
    start: date = DEFAULT_START
    week: int = 0                            # the plan week the figures are shown as of
    sample_batch: int | None = None
    batches: pd.DataFrame = field(default_factory=pd.DataFrame)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def data_week(self) -> int:
        """The plan week the data reaches (follows the latest observation)."""
        return current_week(self.latest_date, self.start)

    @property
    def as_of(self) -> date | None:
        """The day the figures are shown as of: the newest observation at the data's own week,
        else the last day of the chosen week."""
        if self.week == self.data_week:
            return self.latest_date
        return week_end(self.week, self.start)

    def latest_map(self) -> dict[str, float]:
        if "latest_map" not in self._memo:
            self._memo["latest_map"] = dict(zip(self.latest["metric_id"], self.latest["value"]))
        return self._memo["latest_map"]

    def value(self, metric_id: str):
        return self.latest_map().get(metric_id)


_MEMO_LOCK = threading.Lock()


def memo(fn):
    """Compute fn(data, *args) once per PlanData object (treat the result as read-only).

    ui.data hands every session the same PlanData for a given data version and week, so a
    rerun with unchanged data reuses every figure instead of recomputing it in pandas.
    """
    @functools.wraps(fn)
    def wrapper(data: PlanData, *args, **kwargs):
        key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in data._memo:
            result = fn(data, *args, **kwargs)
            with _MEMO_LOCK:
                data._memo.setdefault(key, result)
        return data._memo[key]
    return wrapper


def remember(data: PlanData, key: tuple, compute):
    """compute() once per PlanData object under `key`: for results whose inputs are fixed by the data's
    version and week but are not hashable arguments (frames read for that week, other weeks' bundles)."""
    if key not in data._memo:
        result = compute()
        with _MEMO_LOCK:
            data._memo.setdefault(key, result)
    return data._memo[key]


def _registry_columns(data: PlanData) -> pd.DataFrame:
    return data.registry[["metric_id", "unit", "direction", "weight", "freshness_days"]]


@memo
def target_rows(data: PlanData, section: str | None = None, in_force: bool = False) -> pd.DataFrame:
    """Targets (of one section, or the one in force per metric) joined with the latest value and status.

    Columns: target_id, metric_id, section, label, due_week, op, target, text_as_written, team, note,
    unit, direction, value, as_of, batch_id, current, status, status_badge.
    """
    targets = data.targets if section is None else data.targets[data.targets["section"] == section]
    if in_force:
        targets = status.target_in_force(targets, data.week)
    # Joined on an index (one row per metric on the right): half the time of DataFrame.merge here, and
    # the overview's sparklines ask for these rows three times for every week.
    rows = (targets.rename(columns={"value": "target"})
            .join(_registry_columns(data).set_index("metric_id"), on="metric_id")
            .join(data.latest[["metric_id", "value", "as_of", "batch_id", "n_obs"]].set_index("metric_id"),
                  on="metric_id"))
    rows = status.with_status(rows)
    rows["current"] = [fmt.value(v, u) for v, u in zip(rows["value"], rows["unit"])]
    return rows.reset_index(drop=True)


SECTION_TITLES = {
    "health_category": "Health score categories", "phase1_week1": "Phase 1 · week 1 milestones",
    "phase1_week2": "Phase 1 · week 2 milestones", "phase1_week3": "Phase 1 · week 3 milestones",
    "phase2_business": "Phase 2 · business value", "phase2_performance": "Phase 2 · performance",
    "phase3_final": "Phase 3 · final success criteria", "sla": "Performance SLAs",
    "current_performance": "Current performance", "load_testing": "Load testing",
    "security_control": "Security scorecard", "vulnerability": "Vulnerability tracking", "tcpa": "TCPA compliance",
    "gdpr": "GDPR compliance", "customer_acquisition": "Customer acquisition", "market_position": "Market position",
    "team_velocity": "Team velocity", "test_coverage": "Test coverage by team", "code_quality": "Code quality",
    "checklist_w1": "Week 1 checklist", "checklist_w2": "Week 2 checklist", "checklist_w4": "Week 4 checklist",
    "checklist_w8": "Week 8 checklist", "checklist_w12": "Week 12 checklist"}


def section_title(section: str) -> str:
    return SECTION_TITLES.get(section, section.replace("_", " ").capitalize())


KPI_COLUMNS = {"label": "Metric", "text_as_written": "Target", "current": "Current", "status_badge": "Status",
               "team": "Team"}


def kpi_table(rows: pd.DataFrame, columns: dict[str, str] | None = None) -> Table:
    """The KPI table a page shows (Metric, Target as written, Current, Status, Team, …) and exports.

    `columns` maps target-row fields to headers. On screen: the current value in its unit, status as dot
    and word, pace as a phrase. In exports: metric id, the target's operator and value, the current value
    as a number with its unit and date, status and pace verdict as words, the projected value."""
    columns = columns or KPI_COLUMNS
    data, kinds = {}, {}

    def add(header, values, kind="text"):
        data[header], kinds[header] = values, kind

    for key, header in columns.items():
        if key not in rows.columns and key not in ("current", "status_badge"):
            continue
        if key == "label":
            add(header, rows["label"])
            add("metric_id", rows["metric_id"], "id")
        elif key == "text_as_written":
            add(header, rows["text_as_written"])
            add("Target operator", rows["op"], "hidden")
            add("Target value", rows["target"], "hidden")
        elif key == "current":
            add(header, rows["value"], "unit:unit")
            add("unit", rows["unit"], "hidden")
            add("As of", pd.to_datetime(rows["as_of"]), "hidden")
        elif key == "status_badge":
            add(header, rows["status"], "status")
        elif key == "pace":
            add(header, rows["pace"], "screen")
            add("Pace verdict", rows["verdict"], "hidden")
            add("Projected value", rows["projected"], "hidden")
        else:
            add(header, rows[key])
    return Table(pd.DataFrame(data, index=rows.index), kinds)


def status_counts(rows: pd.DataFrame) -> dict[str, int]:
    counts = rows["status"].value_counts()
    return {key: int(counts.get(key, 0)) for key in (status.MET, status.PARTIAL, status.NOT_MET, status.NO_DATA)}


def progress_sentence(rows: pd.DataFrame, what: str) -> str:
    """"3 of 15 Phase 1 milestones met (20%); 2 partial, 4 without data." """
    counts = status_counts(rows)
    total = len(rows)
    share = counts[status.MET] / total * 100 if total else 0
    text = f"{counts[status.MET]} of {total} {what} met ({fmt.pct(share, 0)})"
    extras = []
    if counts[status.PARTIAL]:
        extras.append(f"{counts[status.PARTIAL]} partial")
    if counts[status.NOT_MET]:
        extras.append(f"{counts[status.NOT_MET]} not met")
    if counts[status.NO_DATA]:
        extras.append(f"{counts[status.NO_DATA]} without data")
    return text + ("; " + ", ".join(extras) if extras else "") + "."
