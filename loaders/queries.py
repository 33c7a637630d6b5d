"""Every read the app makes, as SQL in one module: aggregate in DuckDB, hand pandas small results.

To run the app over partitioned Parquet or another SQL engine, this is the
module to change (see docs/scaling.md). Live rows are those not superseded.
"""
from __future__ import annotations

import pandas as pd

LIVE = "superseded_by IS NULL"


def plan_table(con, name: str) -> pd.DataFrame:
    return con.execute(f'SELECT * FROM "plan_{name}"').df()


def registry(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM metrics").df()   # registry (CSV) order


def targets(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM targets ORDER BY target_id").df()


def latest_date(con):
    return con.execute(f"SELECT max(as_of) FROM observations WHERE {LIVE}").fetchone()[0]


def latest_values(con, as_of=None) -> pd.DataFrame:
    """The latest live value per metric on or before `as_of`, with its date and batch."""
    cutoff = "" if as_of is None else "AND as_of <= ?"
    params = [] if as_of is None else [as_of]
    return con.execute(f"""
        SELECT metric_id, arg_max(value, as_of) AS value, max(as_of) AS as_of,
               arg_max(batch_id, as_of) AS batch_id, count(*) AS n_obs
        FROM observations WHERE {LIVE} {cutoff}
        GROUP BY metric_id""", params).df()


def daily_series(con, metric_ids: list[str], max_points: int = 2000) -> pd.DataFrame:
    """Observation history of some metrics, bucketed so no series exceeds max_points.

    Each bucket keeps its mean; with fewer days than max_points every day is a bucket.
    """
    if not metric_ids:
        return pd.DataFrame(columns=["metric_id", "as_of", "value"])
    span = con.execute(f"""SELECT date_diff('day', min(as_of), max(as_of)) + 1 FROM observations
                           WHERE {LIVE} AND list_contains(?, metric_id)""", [metric_ids]).fetchone()[0]
    days = max(1, -(-(span or 1) // max_points))
    return con.execute(f"""
        SELECT metric_id, time_bucket(INTERVAL (?) DAY, as_of) AS as_of, avg(value) AS value
        FROM observations WHERE {LIVE} AND list_contains(?, metric_id)
        GROUP BY ALL ORDER BY metric_id, as_of""", [days, metric_ids]).df()


def batches(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM batches ORDER BY batch_id DESC").df()


def active_sample_batch(con):
    row = con.execute("SELECT batch_id, file_name FROM batches WHERE kind = 'sample' "
                      "AND rolled_back_at IS NULL ORDER BY batch_id DESC LIMIT 1").fetchone()
    return row
