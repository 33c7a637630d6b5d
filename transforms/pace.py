"""Pace and projection: is a metric moving fast enough to meet its next target?

For a metric with at least two observed days, against the target in force:
- expected: the value a straight line from the baseline (first observation) to the target at its
  due date (the last day of the due week) reaches by `today`;
- projected: the latest value carried forward to the due date along a curve that may flatten
  (FLATTENING, the default): value = A + B·(1 − e^(−k·t))/k, fitted by least squares to the daily
  values of the last six weeks, each day weighing half as much as one two weeks later (recent pace
  counts most; the whole window still shapes the curve). k = 0 is a straight line; k > 0 a pace
  that slows by e^(−k) a day, so the projected change can never exceed B/k. The rate k is the
  best fit among RATES. Then the physical bound applies (a rate stays within 0–100%, a latency,
  a count or money stays ≥ 0) and counts are whole. LINEAR, the earlier model (the least-squares
  slope of the last two weeks carried forward in a straight line), stays as the back-test's
  baseline: on the sample history the flattening curve calls the week-12 outcome right more often
  (`backtest`, `make bench` row pace_backtest_hit_rate; numbers in the README);
- verdict: on track (projected meets the target), at risk (projected misses, but the current value
  is at or ahead of the expected pace), off track (behind pace and projected to miss).
Direction comes from the target's operator (and the metric's direction for the pace comparison):
a lower-is-better metric going up never projects to meet a "<" target it is above.
Fewer than two observed days: "not enough history", never a verdict.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from transforms import fmt, status
from transforms.calendar import DEFAULT_START, week_end

ON_TRACK, AT_RISK, OFF_TRACK, NO_HISTORY = "on track", "at risk", "off track", "not enough history"
EMOJI = {ON_TRACK: "🟢", AT_RISK: "🟡", OFF_TRACK: "🔴", NO_HISTORY: "⚪"}
BOUNDED = {"%": (0.0, 100.0), "done": (0.0, 100.0), "score": (0.0, 100.0)}
NON_NEGATIVE = {"count", "ms", "$", "per_sec", "points"}
# velocity_<team> holds points per day; its targets are per week (see transforms.teams)
DAILY_TO_WEEKLY_PREFIX = "velocity_"
MIN_DAYS = 2
FLATTENING, LINEAR = "flattening", "linear"
HALF_LIFE_DAYS = 14.0                    # a day weighs half as much as one two weeks later
MIN_DAYS_FOR_CURVE = 4                   # with fewer days a curve fits anything: a straight line then
RATES = np.concatenate([[0.0], np.geomspace(0.005, 0.3, 40)])    # k per day (0.3: the pace halves in 2.3 days)
METHOD = ("Pace: each projection follows a curve fitted to the last six weeks of daily values, recent days weighing "
          "most (a day counts half as much as one two weeks later). The curve may flatten, as progress towards a "
          "target usually does, and never passes a physical bound (0–100% for a rate, 0 for a latency, a count or "
          "money). **On track**: the projection meets the target by its due week; **at risk**: it misses, but the "
          "metric is at or ahead of a straight line from its first value to the target; **off track**: behind that "
          "line and projected to miss.")


def _clip(value: float, unit: str | None) -> float:
    low, high = BOUNDED.get(unit, (0.0 if unit in NON_NEGATIVE else None, None))
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    return float(round(value)) if unit == "count" else value


def _growth(rates: np.ndarray, t) -> np.ndarray:
    """(1 − e^(−k·t)) / k for every k (t where k = 0): the change per unit of pace after t days."""
    t = np.asarray(t, dtype=float)
    k = rates.reshape(-1, *([1] * t.ndim))
    with np.errstate(divide="ignore", invalid="ignore"):
        curved = -np.expm1(-k * t) / k
    return np.where(k == 0, t, curved)


def flattening_change(days, values, ahead: float) -> float:
    """The change from the last day to `ahead` days later along the best-fitting flattening curve.

    days: offsets from the last observed day (≤ 0); values: the daily values. Weighted least squares
    (HALF_LIFE_DAYS) of value = A + B·g_k(t) for each k of RATES; the smallest residual wins (ties:
    the straighter curve)."""
    x = np.asarray(days, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(x) < MIN_DAYS or ahead <= 0:
        return 0.0
    rates = RATES if len(x) >= MIN_DAYS_FOR_CURVE else RATES[:1]
    w = 0.5 ** (-x / HALF_LIFE_DAYS)
    w = w / w.sum()
    g = _growth(rates, x)                                   # (k, n)
    g_mean = g @ w
    y_mean = y @ w
    gc = g - g_mean[:, None]
    var = (gc ** 2) @ w
    cov = gc @ (w * (y - y_mean))
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = np.where(var > 0, (w * (y - y_mean) ** 2).sum() - cov ** 2 / var, np.inf)
    best = int(np.argmin(np.round(sse, 12)))
    if not np.isfinite(sse[best]):
        return 0.0
    pace_now = cov[best] / var[best]                        # B: the fitted pace (per day) on the last day
    return float(pace_now * _growth(rates[best:best + 1], ahead)[0])


def _target_value(op: str, target) -> float:
    return status.DONE_AT if op == "done" else float(target)


def _behind(current: float, expected: float, direction: str, op: str) -> bool:
    """True when `current` is behind the expected pace, in the metric's direction."""
    lower = direction == "lower_better" or op in ("<", "<=")
    return current > expected + 1e-9 if lower else current < expected - 1e-9


def assess(*, baseline: float, first_date, current: float, last_date, slope: float | None, n_days: int,
           op: str, target, due_date: date | None, direction: str, unit: str | None, today: date,
           fit: tuple | None = None) -> dict:
    """Pace of one metric. All dates explicit (no wall clock). Returns expected, projected, verdict.

    fit: (day offsets, daily values) of the recent history: projected along the flattening curve;
    without it, along `slope` in a straight line (the LINEAR model)."""
    if n_days < MIN_DAYS or pd.isna(current):
        return {"expected": float("nan"), "projected": float("nan"), "verdict": NO_HISTORY}
    goal = _target_value(op, target)
    first, last, today = (pd.Timestamp(first_date).date(), pd.Timestamp(last_date).date(),
                          pd.Timestamp(today).date())
    due = today if due_date is None else pd.Timestamp(due_date).date()   # standing target: due now
    span = (due - first).days
    share = 1.0 if span <= 0 else min(1.0, max(0.0, (today - first).days / span))
    expected = baseline + (goal - baseline) * share
    ahead = max(0, (due - last).days)
    if fit is not None:
        change = flattening_change(fit[0], fit[1], ahead)
    else:
        change = (slope if slope is not None and not pd.isna(slope) else 0.0) * ahead
    projected = _clip(current + change, unit)
    if status.is_met(projected, op, None if op == "done" else goal):
        verdict = ON_TRACK
    elif not _behind(current, expected, direction, op):
        verdict = AT_RISK
    else:
        verdict = OFF_TRACK
    return {"expected": expected, "projected": projected, "verdict": verdict}


def pace(rows: pd.DataFrame, trends: pd.DataFrame, today: date, start: date = DEFAULT_START,
         model: str = FLATTENING) -> pd.DataFrame:
    """Add expected, projected, verdict and `pace` (text) to target rows.

    rows: target rows (transforms.model.target_rows) with metric_id, op, target, due_week, direction, unit.
    trends: loaders.queries.trend_inputs — one row per metric (baseline, first_date, current, last_date,
    n_days, slope_recent, n_recent, slope_all, and fit_x / fit_y for the FLATTENING model).
    """
    by_metric = trends.set_index("metric_id") if len(trends) else pd.DataFrame()
    out = []
    for row in rows.itertuples(index=False):
        if row.metric_id in by_metric.index and not str(row.metric_id).startswith(DAILY_TO_WEEKLY_PREFIX):
            t = by_metric.loc[row.metric_id]
            slope = t["slope_recent"] if t["n_recent"] >= MIN_DAYS else t["slope_all"]
            fit = (t["fit_x"], t["fit_y"]) if model == FLATTENING and "fit_x" in t.index else None
            due = None if pd.isna(row.due_week) else week_end(int(row.due_week), start)
            out.append(assess(baseline=t["baseline"], first_date=t["first_date"], current=t["current"],
                              last_date=t["last_date"], slope=slope, n_days=int(t["n_days"]), op=row.op,
                              target=row.target, due_date=due, direction=row.direction, unit=row.unit,
                              today=today, fit=fit))
        else:
            out.append({"expected": float("nan"), "projected": float("nan"), "verdict": NO_HISTORY})
    frame = pd.DataFrame(out, index=rows.index, columns=["expected", "projected", "verdict"])
    result = pd.concat([rows, frame], axis=1)
    result["pace"] = [label(v, p, u) for v, p, u in zip(result["verdict"], result["projected"], result["unit"])]
    return result


def label(verdict: str, projected, unit: str | None) -> str:
    """"🟢 on track (→ 42 ms)", or "⚪ not enough history"."""
    if verdict == NO_HISTORY:
        return f"{EMOJI[verdict]} {verdict}"
    return f"{EMOJI[verdict]} {verdict} (→ {fmt.value(projected, unit)})"


def summary(paced: pd.DataFrame) -> dict[str, int]:
    counts = paced["verdict"].value_counts()
    return {v: int(counts.get(v, 0)) for v in (ON_TRACK, AT_RISK, OFF_TRACK, NO_HISTORY)}


def summary_sentence(paced: pd.DataFrame, what: str) -> str:
    c = summary(paced)
    judged = c[ON_TRACK] + c[AT_RISK] + c[OFF_TRACK]
    if not judged:
        return f"Pace: none of the {len(paced)} {what} has two or more observations yet — not enough history to project."
    text = (f"Pace of the {judged} {what} with history: **{c[ON_TRACK]} on track**, {c[AT_RISK]} at risk, "
            f"{c[OFF_TRACK]} off track")
    return text + (f"; {c[NO_HISTORY]} without enough history." if c[NO_HISTORY] else ".")


def backtest(trends_by_week: dict[int, pd.DataFrame], actual: pd.DataFrame, targets: pd.DataFrame,
             registry: pd.DataFrame, end_week: int, start: date = DEFAULT_START,
             model: str = FLATTENING) -> pd.DataFrame:
    """Project from earlier weeks to `end_week` and compare the verdict with what happened.

    trends_by_week: {from week: trend_inputs as of that week's last day}; actual: latest values
    (metric_id, value, as_of) as of `end_week`'s last day. Every metric whose target in force at
    `end_week` is due by then (or standing) is projected to the end of `end_week` against that target
    (weekly velocity per team aside: its observations are daily points). A prediction is a hit when
    "on track" meets the target at `end_week` and "at risk"/"off track" misses it. Metrics with no
    observation after the projection day are left out (nothing happened to compare with).
    Columns: metric_id, from_week, op, target, projected, verdict, actual, actual_met, hit."""
    due = week_end(end_week, start)
    final = status.target_in_force(targets, end_week)
    final = final[(final["due_week"].isna() | (final["due_week"] <= end_week))
                  & ~final["metric_id"].str.startswith(DAILY_TO_WEEKLY_PREFIX)]
    rows = final.rename(columns={"value": "target"}).merge(
        registry[["metric_id", "unit", "direction"]], on="metric_id").assign(due_week=end_week)
    outcome = actual.set_index("metric_id")
    out = []
    for week, trends in sorted(trends_by_week.items()):
        projected = pace(rows, trends, week_end(week, start), start, model)
        for row in projected.itertuples(index=False):
            if row.verdict == NO_HISTORY or row.metric_id not in outcome.index:
                continue
            happened = outcome.loc[row.metric_id]
            if pd.Timestamp(happened["as_of"]).date() <= week_end(week, start) or pd.Timestamp(happened["as_of"]).date() > due:
                continue
            met = status.is_met(float(happened["value"]), row.op, None if row.op == "done" else row.target)
            out.append({"metric_id": row.metric_id, "from_week": week, "op": row.op, "target": row.target,
                        "projected": row.projected, "verdict": row.verdict, "actual": float(happened["value"]),
                        "actual_met": bool(met), "hit": (row.verdict == ON_TRACK) == bool(met)})
    return pd.DataFrame(out, columns=["metric_id", "from_week", "op", "target", "projected", "verdict",
                                      "actual", "actual_met", "hit"])
