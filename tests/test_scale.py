"""Correctness under scale: what DuckDB aggregates equals a pandas reference on the same rows.

No timing here (performance lives in bench/); these pin that the SQL shortcuts taken for 10M rows
(single-batch metrics skip the per-day GROUP BY, M4 downsampling, the validation fast path)
give the same figures as the obvious pandas computation.
"""
from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from loaders import queries, schema
from loaders import validate as V

ROWS = 100_000
START = date(2025, 1, 13)


@pytest.fixture(scope="module")
def big(plan_db, tmp_path_factory):
    """The plan database plus ~100k live rows: most metrics from one batch, a few from two batches
    (overlapping days, so a day can hold two live rows, as a database written before loads replaced
    keys could), and some superseded rows."""
    path = tmp_path_factory.mktemp("scale") / "dce.duckdb"
    path.write_bytes(plan_db.read_bytes())
    with duckdb.connect(str(path)) as con:
        ids = [r[0] for r in con.execute("SELECT metric_id FROM metrics ORDER BY metric_id").fetchall()]
        days = ROWS // len(ids)
        rng = np.random.default_rng(7)
        frame = pd.DataFrame({"metric_id": np.repeat(ids, days),
                              "as_of": np.tile(pd.date_range(end="2025-04-06", periods=days).date, len(ids)),
                              "value": rng.normal(50, 20, days * len(ids)).round(2), "batch_id": 2})
        extra = frame[frame["metric_id"].isin(ids[:3])].sample(frac=0.3, random_state=1).assign(
            batch_id=3, value=lambda f: f["value"] + 7)
        old = frame[frame["metric_id"].isin(ids[3:6])].sample(frac=0.2, random_state=2).assign(batch_id=1)
        con.register("_f", pd.concat([frame, extra]))
        con.execute("INSERT INTO observations_history SELECT metric_id, as_of, value, batch_id, NULL FROM _f")
        con.register("_o", old)
        con.execute("INSERT INTO observations_history SELECT metric_id, as_of, value, batch_id, 2 FROM _o")
    return path


def _live(con) -> pd.DataFrame:
    frame = con.execute("SELECT metric_id, as_of, value, batch_id FROM observations").df()
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def test_latest_value_per_metric_equals_pandas(big):
    with duckdb.connect(str(big), read_only=True) as con:
        got = queries.latest_values(con).set_index("metric_id").sort_index()
        live = _live(con)
    last = live[live["as_of"] == live.groupby("metric_id")["as_of"].transform("max")]
    # two live rows on the same last day: any of them is "the latest"; compare the dates and the set
    assert (pd.to_datetime(got["as_of"]) == live.groupby("metric_id")["as_of"].max().sort_index()).all()
    for metric_id, value in got["value"].items():
        assert value in set(last.loc[last["metric_id"] == metric_id, "value"])
    assert (got["n_obs"] == live.groupby("metric_id").size().sort_index()).all()


def test_weekly_sums_equal_pandas(big):
    with duckdb.connect(str(big), read_only=True) as con:
        ids = list(con.execute("SELECT DISTINCT metric_id FROM observations ORDER BY 1").df()["metric_id"][:10])
        got = queries.weekly_sums(con, ids, START).set_index(["metric_id", "week"])["value"]
        live = _live(con)
    live = live[live["metric_id"].isin(ids) & (live["as_of"] >= pd.Timestamp(START))]
    live["week"] = (live["as_of"] - pd.Timestamp(START)).dt.days // 7 + 1
    want = live.groupby(["metric_id", "week"])["value"].sum()
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False, check_index_type=False)


def test_trend_inputs_use_daily_means_for_multi_batch_metrics(big):
    with duckdb.connect(str(big), read_only=True) as con:
        got = queries.trend_inputs(con).set_index("metric_id")
        live = _live(con)
    daily = live.groupby(["metric_id", "as_of"], as_index=False)["value"].mean()
    n_days = daily.groupby("metric_id").size()
    baseline = daily.sort_values("as_of").groupby("metric_id")["value"].first()
    assert (got["n_days"] == n_days.reindex(got.index)).all()
    np.testing.assert_allclose(got["baseline"], baseline.reindex(got.index))
    x = (daily["as_of"] - pd.Timestamp("2000-01-01")).dt.days
    slope = daily.assign(x=x).groupby("metric_id")[["x", "value"]].apply(
        lambda g: np.polyfit(g["x"], g["value"], 1)[0])
    np.testing.assert_allclose(got["slope_all"], slope.reindex(got.index), rtol=1e-6, atol=1e-9)


def test_downsampling_keeps_first_last_min_and_max(big):
    with duckdb.connect(str(big), read_only=True) as con:
        ids = list(con.execute("SELECT DISTINCT metric_id FROM observations ORDER BY 1").df()["metric_id"][5:9])
        got = queries.daily_series(con, ids, max_points=100)
        live = _live(con)
    live = live[live["metric_id"].isin(ids)]
    for metric_id, series in got.groupby("metric_id"):
        raw = live[live["metric_id"] == metric_id].sort_values("as_of")
        assert len(series) <= 100
        assert series["value"].min() == raw["value"].min()
        assert series["value"].max() == raw["value"].max()
        first, last = series.sort_values("as_of").iloc[[0, -1]]["value"]
        assert pd.to_datetime(series["as_of"]).min() == raw["as_of"].iloc[0] and first == raw["value"].iloc[0]
        assert pd.to_datetime(series["as_of"]).max() == raw["as_of"].iloc[-1] and last == raw["value"].iloc[-1]


def test_mean_buckets_stay_aligned_across_metrics(big):
    with duckdb.connect(str(big), read_only=True) as con:
        ids = list(con.execute("SELECT DISTINCT metric_id FROM observations ORDER BY 1").df()["metric_id"][5:9])
        got = queries.daily_series(con, ids, max_points=100, extremes=False)
    dates = got.groupby("metric_id")["as_of"].apply(frozenset)
    assert len(set(dates)) == 1 and got.groupby("metric_id").size().max() <= 100


def test_rule_history_window_is_the_last_days(big):
    with duckdb.connect(str(big), read_only=True) as con:
        full = queries.rule_history(con)
        window = queries.rule_history(con, days=30)
    full["as_of"] = pd.to_datetime(full["as_of"])
    cut = full["as_of"].max() - pd.Timedelta(days=30)
    want = full[full["as_of"] > cut].reset_index(drop=True)
    window["as_of"] = pd.to_datetime(window["as_of"])
    pd.testing.assert_frame_equal(window.reset_index(drop=True), want, check_dtype=False)


def _obs_table(n: int, metrics: dict[str, str]) -> pa.Table:
    ids = [m for m, u in metrics.items()][:50]
    days = pd.date_range(end="2025-04-06", periods=n // len(ids) + 1).strftime("%Y-%m-%d")
    frame = pd.DataFrame({"metric_id": np.repeat(ids, len(days))[:n], "as_of": np.tile(days, len(ids))[:n],
                          "value": [f"{v:.2f}" for v in np.random.default_rng(3).uniform(0, 100, n)]})
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_validation_fast_path_equals_the_pandas_path(plan_db, monkeypatch):
    with duckdb.connect(str(plan_db), read_only=True) as con:
        metrics = dict(con.execute("SELECT metric_id, unit FROM metrics").fetchall())
    data = _obs_table(30_000, metrics)
    table = schema.TABLES["observations"]
    fast = V._fast_sql(table, data, metrics, None)
    assert fast is not None
    monkeypatch.setattr(V, "FAST_PATH_MIN_ROWS", 10 ** 12)
    slow = V.validate(table, data, "f.csv", None, metrics)
    assert slow.ok
    pd.testing.assert_frame_equal(fast, slow.frame)


@pytest.mark.parametrize("cell, column", [("12%", "value"), (" 3.5", "value"), ("13/01/2025", "as_of"),
                                          ("nope", "metric_id"), ("1e999", "value")])
def test_a_doubtful_cell_sends_the_file_to_the_worded_path(plan_db, cell, column):
    with duckdb.connect(str(plan_db), read_only=True) as con:
        metrics = dict(con.execute("SELECT metric_id, unit FROM metrics").fetchall())
    frame = _obs_table(30_000, metrics).to_pandas()
    frame.loc[123, column] = cell
    data = pa.Table.from_pandas(frame, preserve_index=False)
    assert V._fast_sql(schema.TABLES["observations"], data, metrics, None) is None
    got = V.validate(schema.TABLES["observations"], data, "f.csv", None, metrics)
    monkey = V.FAST_PATH_MIN_ROWS
    try:
        V.FAST_PATH_MIN_ROWS = 10 ** 12
        want = V.validate(schema.TABLES["observations"], data, "f.csv", None, metrics)
    finally:
        V.FAST_PATH_MIN_ROWS = monkey
    assert got.problems == want.problems
    pd.testing.assert_frame_equal(got.frame, want.frame)
