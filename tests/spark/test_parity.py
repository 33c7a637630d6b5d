"""DuckDB/Spark parity: every rollup of loaders/calls/rollups.py, run on both engines over the same
generated Parquet, gives the same figures. Runs in the Spark virtualenv (`make test-spark`, .ci/run);
skipped where pyspark is not installed (the app's own venv).

Comparison: rows sorted by their keys; counts exactly; floats to a relative 1e-9 (sums of doubles
in a different order differ in the last bits). Percentiles are exact on both engines (DuckDB
quantile_cont and Spark percentile: linear interpolation between the nearest ranks), so they are
held to the same tolerance, not an approximation's.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="pyspark is installed only in .venv-spark (make test-spark)")

from loaders.calls import generate, rollups  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """5 days × 2,000 generated calls from the Saturday before the 2025 DST switch (a 23-hour day)."""
    root = tmp_path_factory.mktemp("parity") / "calls"
    generate.generate(root, days=5, calls_per_day=2000, seed=11, start="2025-03-07", chunk=600)
    return root


@pytest.fixture(scope="module")
def spark():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        con = rollups.connect("spark")
    yield con
    con._session.stop()


def same(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]):
    assert list(duck.columns) == list(spark.columns)
    assert len(duck) == len(spark) > 0
    duck = duck.sort_values(keys, ignore_index=True)
    spark = spark.sort_values(keys, ignore_index=True)
    for c in duck.columns:
        a, b = duck[c], spark[c]
        if c in keys or pd.api.types.is_integer_dtype(a) or pd.api.types.is_integer_dtype(b):
            assert a.astype(str).tolist() == b.astype(str).tolist(), c
        else:
            np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-12,
                                       equal_nan=True, err_msg=c)


@pytest.mark.parametrize("by", [(), ("publisher",), ("buyer",), ("campaign",), ("publisher", "campaign")])
def test_daily_rollups_are_identical(store, spark, by):
    kw = dict(by=by, start="2025-03-08", end="2025-03-11", short_call_s=45)
    duck = rollups.daily(store, **kw)
    sp = rollups.daily(store, engine=spark, **kw)
    same(duck, sp, ["day", *by])
    assert set(duck.columns) >= set(rollups.ROLLUP_COLUMNS)
    assert duck["peak_concurrent_calls"].min() > 0 and duck["routing_p99_ms"].notna().any()


def test_heatmap_is_identical(store, spark):
    same(rollups.heatmap(store), rollups.heatmap(store, engine=spark), ["weekday", "hour"])
    same(rollups.heatmap(store, by="buyer"), rollups.heatmap(store, by="buyer", engine=spark),
         ["buyer", "weekday", "hour"])
