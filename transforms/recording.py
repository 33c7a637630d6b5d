"""The plan's Prometheus recording rules, computed over the observation history (pure pandas).

    dce:overall_health_score    Σ weight × category score per day (categories carried forward;
                                only days on which every category has a value)
    dce:team_velocity_total     Σ velocity_<team> daily points per plan week, and per day as the
                                trailing-7-day total (what WeeklyTargetsMissed evaluates daily)
    dce:revenue_pipeline_growth increase(revenue_pipeline_usd[7d]) per day
    build_failure_rate_pct      100 − the mean of the teams' build_success_rate_<team> per day (what the
                                plan's "Build failure rate > 10%" alert reads when no failure rate is loaded)
    sprint completion           Σ completed ÷ Σ planned story points of a plan week (team_metrics_daily)

History frames are long: metric_id, as_of, value (one value per metric per day).
`with_recorded` adds the recorded series to a history for the days where the metric itself
was not observed, so alert rules read a loaded figure first and the recorded one otherwise.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from transforms.calendar import DEFAULT_START, plan_week
from transforms.overview import HEALTH_ID, health_trend

VELOCITY_TOTAL_ID = "team_velocity_total"
PIPELINE_ID = "revenue_pipeline_usd"
VELOCITY_PREFIX = "velocity_"
PLANNED_PREFIX = "story_points_planned_"
BUILD_SUCCESS_PREFIX = "build_success_rate_"
BUILD_FAILURE_ID = "build_failure_rate_pct"
WINDOW_DAYS = 7

COLUMNS = ["metric_id", "as_of", "value"]


def _dated(history: pd.DataFrame) -> pd.DataFrame:
    if history.empty:
        return pd.DataFrame(columns=COLUMNS).astype({"as_of": "datetime64[ns]", "value": float})
    return history.assign(as_of=pd.to_datetime(history["as_of"]), value=history["value"].astype(float))


def weights(registry: pd.DataFrame) -> pd.DataFrame:
    return registry.dropna(subset=["weight"])[["metric_id", "weight"]]


def _prefixed(registry: pd.DataFrame, prefix: str) -> list[str]:
    ids = registry["metric_id"]
    return list(ids[ids.str.startswith(prefix)])


def velocity_ids(registry: pd.DataFrame) -> list[str]:
    return _prefixed(registry, VELOCITY_PREFIX)


def inputs(registry: pd.DataFrame) -> list[str]:
    """Every metric the recording rules read."""
    return (list(weights(registry)["metric_id"]) + velocity_ids(registry) + [PIPELINE_ID]
            + _prefixed(registry, BUILD_SUCCESS_PREFIX) + _prefixed(registry, PLANNED_PREFIX))


def health_score_daily(history: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """dce:overall_health_score: columns as_of, health_score (reuses overview.health_trend)."""
    w = weights(registry)
    rows = _dated(history)
    return health_trend(rows[rows["metric_id"].isin(w["metric_id"])], w)


def velocity_by_week(history: pd.DataFrame, registry: pd.DataFrame, start: date = DEFAULT_START) -> pd.DataFrame:
    """dce:team_velocity_total by week: columns week, metric_id (one per team + team_velocity_total),
    points (sum of daily points) and days (distinct days with a figure)."""
    rows = _dated(history)
    rows = rows[rows["metric_id"].isin(velocity_ids(registry))]
    if rows.empty:
        return pd.DataFrame(columns=["week", "metric_id", "points", "days"])
    rows = rows.assign(week=[plan_week(d, start) for d in rows["as_of"]])
    teams = (rows.groupby(["week", "metric_id"], as_index=False)
             .agg(points=("value", "sum"), days=("as_of", "nunique")))
    total = (rows.groupby("week", as_index=False).agg(points=("value", "sum"), days=("as_of", "nunique"))
             .assign(metric_id=VELOCITY_TOTAL_ID))
    return pd.concat([teams, total], ignore_index=True)[["week", "metric_id", "points", "days"]]


def velocity_trailing(history: pd.DataFrame, registry: pd.DataFrame, window: int = WINDOW_DAYS) -> pd.DataFrame:
    """Per day, the points all teams completed in the trailing `window` days (that day included).

    A day gets a figure only once a whole window lies after the first velocity observation and
    the window holds at least one observation: a partial or empty window is no data, not a collapse.
    """
    rows = _dated(history)
    rows = rows[rows["metric_id"].isin(velocity_ids(registry))]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    daily = rows.groupby("as_of")["value"].sum()
    grid = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    present = daily.reindex(grid)
    total = present.fillna(0).rolling(window, min_periods=window).sum()
    seen = present.notna().astype(int).rolling(window, min_periods=window).sum()
    total = total[seen > 0].dropna()
    return pd.DataFrame({"metric_id": VELOCITY_TOTAL_ID, "as_of": total.index, "value": total.to_numpy()})


def sprint_completion(history: pd.DataFrame, registry: pd.DataFrame, start: date = DEFAULT_START) -> pd.DataFrame:
    """Per plan week: story points completed and planned, and completion % = Σ completed ÷ Σ planned.

    Only (team, day) pairs that carry both figures count, so a team that reports completed points
    without a plan (or the reverse) does not skew the share. Columns week, completed, planned, pct
    (NaN where nothing was planned)."""
    rows = _dated(history)
    rows = rows[rows["metric_id"].isin(velocity_ids(registry) + _prefixed(registry, PLANNED_PREFIX))]
    if rows.empty:
        return pd.DataFrame(columns=["week", "completed", "planned", "pct"])
    planned = rows["metric_id"].str.startswith(PLANNED_PREFIX)
    rows = rows.assign(kind=planned.map({True: "planned", False: "completed"}),
                       team=rows["metric_id"].str.removeprefix(PLANNED_PREFIX).str.removeprefix(VELOCITY_PREFIX))
    pairs = rows.pivot_table(index=["as_of", "team"], columns="kind", values="value", aggfunc="last")
    pairs = pairs.reindex(columns=["completed", "planned"]).dropna().reset_index()
    pairs["week"] = [plan_week(d, start) for d in pairs["as_of"]]
    weeks = pairs.groupby("week", as_index=False)[["completed", "planned"]].sum()
    weeks["pct"] = (weeks["completed"] / weeks["planned"].where(weeks["planned"] > 0) * 100)
    return weeks


def build_failure_daily(history: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """build_failure_rate_pct per day: 100 − the plain mean of the teams' build success rates that day
    (the plan gives no build counts to weight the teams by)."""
    rows = _dated(history)
    rows = rows[rows["metric_id"].isin(_prefixed(registry, BUILD_SUCCESS_PREFIX))]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rate = 100.0 - rows.groupby("as_of")["value"].mean()
    return pd.DataFrame({"metric_id": BUILD_FAILURE_ID, "as_of": rate.index, "value": rate.to_numpy()})


def pipeline_growth(history: pd.DataFrame, days: int = WINDOW_DAYS) -> pd.DataFrame:
    """dce:revenue_pipeline_growth: the pipeline's increase over the last `days` days (value now −
    value `days` days earlier, each carried forward from its latest observation). Columns as_of, growth."""
    rows = _dated(history)
    rows = rows[rows["metric_id"] == PIPELINE_ID].groupby("as_of")["value"].last()
    if rows.empty:
        return pd.DataFrame(columns=["as_of", "growth"])
    grid = pd.date_range(rows.index.min(), rows.index.max(), freq="D")
    daily = rows.reindex(grid).ffill()
    growth = (daily - daily.shift(days)).dropna()
    return pd.DataFrame({"as_of": growth.index, "growth": growth.to_numpy()})


def value_as_of(history: pd.DataFrame, metric_id: str, day) -> float | None:
    """The latest value of one metric on or before `day` (None without one)."""
    rows = _dated(history)
    rows = rows[(rows["metric_id"] == metric_id) & (rows["as_of"] <= pd.Timestamp(day))]
    return None if rows.empty else float(rows.sort_values("as_of")["value"].iloc[-1])


def with_recorded(history: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """The history plus the recorded health score, trailing velocity total and build failure rate, on
    days where the metric itself has no observation (a loaded figure wins over a recorded one)."""
    rows = _dated(history)[COLUMNS]
    health = health_score_daily(rows, registry)
    recorded = [pd.DataFrame({"metric_id": HEALTH_ID, "as_of": pd.to_datetime(health["as_of"]),
                              "value": health["health_score"].astype(float)}),
                velocity_trailing(rows, registry), build_failure_daily(rows, registry)]
    recorded = [r for r in recorded if not r.empty]
    if not recorded:
        return rows.reset_index(drop=True)
    extra = pd.concat(recorded, ignore_index=True)
    have = pd.MultiIndex.from_frame(rows[["metric_id", "as_of"]])
    extra = extra[~pd.MultiIndex.from_frame(extra[["metric_id", "as_of"]]).isin(have)]
    return pd.concat([rows, extra], ignore_index=True).sort_values(["metric_id", "as_of"]).reset_index(drop=True)
