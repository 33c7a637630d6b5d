"""Pace and projection: is a metric moving fast enough to meet its next target?

For a metric with at least two observed days, against the target in force:
- expected: the value a straight line from the baseline (first observation) to the target at its
  due date (the last day of the due week) reaches by `today`;
- projected: the latest value carried forward to the due date along the recent trend (the
  least-squares slope over the last two weeks of daily means, or over the whole history when the
  last two weeks hold fewer than two days);
- verdict: on track (projected meets the target), at risk (projected misses, but the current value
  is at or ahead of the expected pace), off track (behind pace and projected to miss).
Direction comes from the target's operator (and the metric's direction for the pace comparison):
a lower-is-better metric going up never projects to meet a "<" target it is above.
Fewer than two observed days: "not enough history", never a verdict.
"""
from __future__ import annotations

from datetime import date

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


def _clip(value: float, unit: str | None) -> float:
    low, high = BOUNDED.get(unit, (0.0 if unit in NON_NEGATIVE else None, None))
    if low is not None:
        value = max(low, value)
    if high is not None:
        value = min(high, value)
    return value


def _target_value(op: str, target) -> float:
    return status.DONE_AT if op == "done" else float(target)


def _behind(current: float, expected: float, direction: str, op: str) -> bool:
    """True when `current` is behind the expected pace, in the metric's direction."""
    lower = direction == "lower_better" or op in ("<", "<=")
    return current > expected + 1e-9 if lower else current < expected - 1e-9


def assess(*, baseline: float, first_date, current: float, last_date, slope: float | None, n_days: int,
           op: str, target, due_date: date | None, direction: str, unit: str | None, today: date) -> dict:
    """Pace of one metric. All dates explicit (no wall clock). Returns expected, projected, verdict."""
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
    projected = _clip(current + (slope if slope is not None and not pd.isna(slope) else 0.0) * ahead, unit)
    if status.is_met(projected, op, None if op == "done" else goal):
        verdict = ON_TRACK
    elif not _behind(current, expected, direction, op):
        verdict = AT_RISK
    else:
        verdict = OFF_TRACK
    return {"expected": expected, "projected": projected, "verdict": verdict}


def pace(rows: pd.DataFrame, trends: pd.DataFrame, today: date, start: date = DEFAULT_START) -> pd.DataFrame:
    """Add expected, projected, verdict and `pace` (text) to target rows.

    rows: target rows (transforms.model.target_rows) with metric_id, op, target, due_week, direction, unit.
    trends: loaders.queries.trend_inputs — one row per metric (baseline, first_date, current, last_date,
    n_days, slope_recent, n_recent, slope_all).
    """
    by_metric = trends.set_index("metric_id") if len(trends) else pd.DataFrame()
    out = []
    for row in rows.itertuples(index=False):
        if row.metric_id in by_metric.index and not str(row.metric_id).startswith(DAILY_TO_WEEKLY_PREFIX):
            t = by_metric.loc[row.metric_id]
            slope = t["slope_recent"] if t["n_recent"] >= MIN_DAYS else t["slope_all"]
            due = None if pd.isna(row.due_week) else week_end(int(row.due_week), start)
            out.append(assess(baseline=t["baseline"], first_date=t["first_date"], current=t["current"],
                              last_date=t["last_date"], slope=slope, n_days=int(t["n_days"]), op=row.op,
                              target=row.target, due_date=due, direction=row.direction, unit=row.unit,
                              today=today))
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
