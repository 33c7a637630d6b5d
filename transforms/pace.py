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
NON_NEGATIVE = {"count", "ms", "$", "$/month", "per_sec", "points", "days", "h"}
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


# The fit runs for every target row a page shows: its basis and weights for whole-day offsets come from
# tables built once (profile: 0.25 ms a fit computing them, ~0.05 ms looking them up).
_TABLE_DAYS = 64
_OFFSETS = np.arange(-_TABLE_DAYS + 1, 1)
_BASIS = _growth(RATES, _OFFSETS)                                   # (rate, offset)
_WEIGHTS = 0.5 ** (-_OFFSETS / HALF_LIFE_DAYS)


def fit_flattening(days, values) -> tuple[float, float]:
    """(k, pace on the last day) of the best-fitting flattening curve value = A + B·(1 − e^(−k·t))/k.

    days: offsets from the last observed day (≤ 0); values: the daily values. Weighted least squares
    (HALF_LIFE_DAYS) for each k of RATES; the smallest residual wins, ties going to the straighter curve.
    Fewer than MIN_DAYS_FOR_CURVE days: a straight line (k = 0)."""
    x = np.asarray(days, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(x) < MIN_DAYS or np.ptp(x) == 0:
        return 0.0, 0.0
    n_rates = len(RATES) if len(x) >= MIN_DAYS_FOR_CURVE else 1
    index = x.astype(int) + _TABLE_DAYS - 1
    if (index == x + _TABLE_DAYS - 1).all() and index.min() >= 0:
        g, w = _BASIS[:n_rates, index], _WEIGHTS[index]
    else:
        g, w = _growth(RATES[:n_rates], x), 0.5 ** (-x / HALF_LIFE_DAYS)
    w = w / w.sum()
    gc = g - (g @ w)[:, None]
    yc = y - y @ w
    var = (gc * gc) @ w
    cov = gc @ (w * yc)
    sse = (w * yc) @ yc - cov * cov / var
    best = int(np.flatnonzero(sse <= sse.min() + 1e-12 * max(1.0, abs(sse.min())))[0])
    return float(RATES[best]), float(cov[best] / var[best])


def change_along(fit: tuple[float, float], ahead: float) -> float:
    """The change `ahead` days after the last day along a fitted curve (fit_flattening)."""
    rate, pace_now = fit
    if ahead <= 0:
        return 0.0
    return pace_now * (ahead if rate == 0 else -np.expm1(-rate * ahead) / rate)


def flattening_change(days, values, ahead: float) -> float:
    """The change from the last day to `ahead` days later along the best-fitting flattening curve."""
    return change_along(fit_flattening(days, values), ahead)


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

    fit: (k, pace) from fit_flattening: projected along that flattening curve; without it, along `slope`
    in a straight line (the LINEAR model)."""
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
        change = change_along(fit, ahead)
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
    # Plain dicts, not DataFrame rows: a .loc row lookup cost ~1.5 ms, most of the time of a page's pace.
    by_metric = {t["metric_id"]: t for t in trends.to_dict("records")}
    fits: dict[str, tuple[float, float]] = {}         # one fit per metric, however many targets it has
    out = []
    for row in rows.itertuples(index=False):
        if row.metric_id in by_metric and not str(row.metric_id).startswith(DAILY_TO_WEEKLY_PREFIX):
            t = by_metric[row.metric_id]
            slope = t["slope_recent"] if t["n_recent"] >= MIN_DAYS else t["slope_all"]
            fit = None
            if model == FLATTENING and "fit_x" in t:
                if row.metric_id not in fits:
                    fits[row.metric_id] = fit_flattening(t["fit_x"], t["fit_y"])
                fit = fits[row.metric_id]
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
