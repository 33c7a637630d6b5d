"""Projections on the sample history, re-derived in the test: bounds, the fit, and the back-test's verdicts."""
from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from loaders import queries
from transforms import pace
from transforms.calendar import week_end

BOUNDS = {"%": (0, 100), "done": (0, 100), "score": (0, 100), "ms": (0, None), "count": (0, None),
          "$": (0, None), "per_sec": (0, None), "points": (0, None)}


@pytest.fixture(scope="module")
def sample(sample_db_path):
    with duckdb.connect(str(sample_db_path), read_only=True) as con:
        live = con.execute("SELECT metric_id, as_of, value FROM observations").df()
        trends = {w: queries.trend_inputs(con, week_end(w)) for w in (0, 4, 6, 8, 12)}
        targets, registry = queries.targets(con), queries.registry(con)
        actual = queries.latest_values(con, week_end(12))
    live["as_of"] = pd.to_datetime(live["as_of"])
    daily = live.groupby(["metric_id", "as_of"], as_index=False)["value"].mean()
    return {"daily": daily, "trends": trends, "targets": targets, "registry": registry, "actual": actual}


def brute_force_projection(daily: pd.DataFrame, metric_id: str, as_of: date, due: date) -> float:
    """value = A + B·(1 − e^(−k·t))/k over the last 42 days, weights halving every 14 days back,
    solved with lstsq for every k of the grid; the k with the least weighted squared error wins."""
    s = daily[(daily["metric_id"] == metric_id) & (daily["as_of"] <= pd.Timestamp(as_of))].sort_values("as_of")
    last = s["as_of"].max()
    s = s[s["as_of"] > last - pd.Timedelta(days=42)]
    t = (s["as_of"] - last).dt.days.to_numpy(float)
    y = s["value"].to_numpy(float)
    root_w = np.sqrt(0.5 ** (-t / 14))
    best = None
    for k in pace.RATES:
        basis = t if k == 0 else (1 - np.exp(-k * t)) / k
        design = np.column_stack([np.ones_like(t), basis])
        coef, *_ = np.linalg.lstsq(design * root_w[:, None], y * root_w, rcond=None)
        err = float(((design @ coef - y) * root_w) @ ((design @ coef - y) * root_w))
        if best is None or err < best[0] - 1e-9 * max(1.0, best[0]):
            best = (err, k, coef[1])
    _, k, pace_now = best
    ahead = (pd.Timestamp(due) - last).days
    return y[-1] + pace_now * (ahead if k == 0 else (1 - np.exp(-k * ahead)) / k)


def paced(sample, week: int, section: str = "sla") -> pd.DataFrame:
    rows = sample["targets"][sample["targets"]["section"] == section].rename(columns={"value": "target"})
    rows = rows.merge(sample["registry"][["metric_id", "unit", "direction"]], on="metric_id")
    return pace.pace(rows, sample["trends"][week], week_end(week))


@pytest.mark.parametrize("week", [4, 8])
@pytest.mark.parametrize("metric_id, low, high", [("routing_decision_time_ms", 0, None),
                                                   ("cache_hit_rate_pct", 0, 100),
                                                   ("db_pool_efficiency_pct", 0, 100)])
def test_projection_matches_a_brute_force_fit(sample, week, metric_id, low, high):
    got = paced(sample, week).set_index("metric_id").loc[metric_id, "projected"]
    want = brute_force_projection(sample["daily"], metric_id, week_end(week), week_end(12))
    want = min(high, max(low, want)) if high is not None else max(low, want)
    assert got == pytest.approx(want, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("week", [4, 8])
def test_no_projection_passes_its_bound(sample, week):
    rows = sample["targets"].rename(columns={"value": "target"}).merge(
        sample["registry"][["metric_id", "unit", "direction"]], on="metric_id")
    out = pace.pace(rows, sample["trends"][week], week_end(week))
    judged = out[out["verdict"] != pace.NO_HISTORY]
    assert len(judged) > 150
    for unit, (low, high) in BOUNDS.items():
        values = judged.loc[judged["unit"] == unit, "projected"]
        assert (values >= low).all() and (high is None or (values <= high).all()), unit
    counts = judged.loc[judged["unit"] == "count", "projected"]
    assert (counts == counts.round()).all()


def test_week_0_has_no_history_and_week_12_projects_the_value_it_has(sample):
    assert set(paced(sample, 0)["verdict"]) == {pace.NO_HISTORY}
    at_12 = paced(sample, 12)                  # due at the end of week 12: nothing left to project
    last = sample["daily"][sample["daily"]["as_of"] <= pd.Timestamp(week_end(12))].sort_values("as_of") \
        .groupby("metric_id")["value"].last()
    np.testing.assert_allclose(at_12["projected"], at_12["metric_id"].map(last).clip(lower=0))


def test_backtest_verdicts_against_what_happened_at_week_12(sample):
    trends = {w: sample["trends"][w] for w in (4, 6, 8)}
    result = pace.backtest(trends, sample["actual"], sample["targets"], sample["registry"], 12)
    end = sample["daily"][sample["daily"]["as_of"] <= pd.Timestamp(week_end(12))].sort_values("as_of")
    last = end.groupby("metric_id")["value"].last()
    ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "=": np.equal}
    met = [bool(ops[op](last[m], t)) if op != "done" else last[m] >= 100
           for m, op, t in zip(result["metric_id"], result["op"], result["target"])]
    assert list(result["actual_met"]) == met
    assert (result["hit"] == ((result["verdict"] == pace.ON_TRACK) == result["actual_met"])).all()
    assert set(result["from_week"]) == {4, 6, 8} and result["metric_id"].nunique() > 100
    linear = pace.backtest(trends, sample["actual"], sample["targets"], sample["registry"], 12, model=pace.LINEAR)
    assert len(linear) == len(result) and result["hit"].mean() > linear["hit"].mean()
    # the example: cache hit rate "on track (→ 100%)" at week 6 before; now short of 100
    week6 = result[(result["from_week"] == 6)].set_index("metric_id")
    assert week6.loc["cache_hit_rate_pct", "projected"] < 100
    old = linear[(linear["from_week"] == 6)].set_index("metric_id")
    assert old.loc["cache_hit_rate_pct", "projected"] == 100 and old.loc["routing_decision_time_ms", "projected"] == 0
    assert week6.loc["routing_decision_time_ms", "projected"] > 0
