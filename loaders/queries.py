"""Every read the app makes, as SQL in one module: aggregate in DuckDB, hand pandas small results.

To run the app over partitioned Parquet or another SQL engine, this is the
module to change (see docs/scaling.md). Reads go through the live view `observations`
(loaders/schema.py: one live row per metric and day); the full history with supersession is
`observations_history`, which only loaders write.

Parameters are named (`$as_of`), never counted `?`s: a query's text says what each value is, and a filter
added to a query cannot shift the others. DuckDB refuses a parameter the query does not use, so
`_named` leaves out the ones an optional filter did not add.
"""
from __future__ import annotations

import pandas as pd

LIVE = "superseded_by IS NULL"     # on a *_history table; the views hold live rows only


def _named(sql: str, **params) -> dict:
    """The parameters `sql` uses (`$name`), by name: an optional filter's value goes only where it is used."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def plan_table(con, name: str) -> pd.DataFrame:
    return con.execute(f'SELECT * FROM "plan_{name}"').df()


def registry(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM metrics").df()   # registry (CSV) order


def targets(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM targets ORDER BY target_id").df()


def latest_date(con):
    return con.execute("SELECT max(as_of) FROM observations").fetchone()[0]


def latest_values(con, as_of=None) -> pd.DataFrame:
    """The latest live value per metric on or before `as_of`, with its date and batch."""
    cutoff = "" if as_of is None else "WHERE as_of <= $as_of"
    sql = f"""
        SELECT metric_id, arg_max(value, as_of) AS value, max(as_of) AS as_of,
               arg_max(batch_id, as_of) AS batch_id, count(*) AS n_obs
        FROM observations {cutoff}
        GROUP BY metric_id"""
    return con.execute(sql, _named(sql, as_of=as_of)).df()


def _daily(where: str) -> str:
    """Live rows as one value per metric and day (the day's mean), without a 10M-group GROUP BY.

    Rows of one batch never share a day (a load refuses duplicate keys), so two live rows of a
    metric can share a day only where the date spans of two of its live batches overlap. Rows
    outside those spans pass through; only the rows inside are grouped by day. (The usual case:
    the plan's week-0 rows and a long upload share one day.) Profile, 10M rows, daily values plus
    per-metric aggregates: 0.48 s; grouping every metric fed by two batches took 1.13 s. `where`
    filters observations (it appears twice; its named parameters are bound once).
    """
    return f"""
        WITH spans AS (
            SELECT metric_id, batch_id, min(as_of) AS lo, max(as_of) AS hi
            FROM observations WHERE {where} GROUP BY ALL),
        shared AS (    -- per metric, one range covering every day two of its live batches may share
            SELECT a.metric_id, min(greatest(a.lo, b.lo)) AS lo, max(least(a.hi, b.hi)) AS hi
            FROM spans a JOIN spans b ON a.metric_id = b.metric_id AND a.batch_id < b.batch_id
                                     AND a.lo <= b.hi AND b.lo <= a.hi
            GROUP BY a.metric_id),
        flagged AS NOT MATERIALIZED (
            SELECT o.metric_id, o.as_of, o.value, coalesce(o.as_of BETWEEN s.lo AND s.hi, false) AS shared
            FROM observations o LEFT JOIN shared s USING (metric_id) WHERE {where})
        SELECT metric_id, as_of, value FROM flagged WHERE NOT shared
        UNION ALL
        SELECT metric_id, as_of, avg(value) AS value FROM flagged WHERE shared GROUP BY ALL"""


def daily_series(con, metric_ids: list[str], max_points: int = 2000, extremes: bool = True) -> pd.DataFrame:
    """Observation history of some metrics, downsampled so no series exceeds max_points.

    With no more days than max_points, every day is a point (the day's mean). Beyond that the
    span is cut into time buckets and, with `extremes` (for charts of the series themselves),
    each bucket keeps its minimum and maximum observation at their own dates, plus the series'
    first and last observation: the shape, the peaks and the ends survive (M4-style, at most
    max_points points). `extremes=False` keeps each bucket's mean at the bucket start instead,
    aligned across metrics, for figures derived from several series (e.g. a weighted sum).
    """
    if not metric_ids:
        return pd.DataFrame(columns=["metric_id", "as_of", "value"])
    where = "list_contains($ids, metric_id)"
    ids = {"ids": metric_ids}
    span = con.execute(f"""SELECT date_diff('day', min(as_of), max(as_of)) + 1 FROM observations
                           WHERE {where}""", ids).fetchone()[0] or 1
    if span <= max_points:
        return con.execute(f"SELECT metric_id, as_of, avg(value) AS value FROM observations WHERE {where} "
                           "GROUP BY ALL ORDER BY metric_id, as_of", ids).df()
    if not extremes:
        return con.execute(f"""
            SELECT metric_id, time_bucket(INTERVAL ($days) DAY, as_of) AS as_of, avg(value) AS value
            FROM observations WHERE {where}
            GROUP BY ALL ORDER BY metric_id, as_of""", {**ids, "days": -(-span // max_points)}).df()
    days = -(-span // max(1, max_points // 2 - 1))        # 2 points a bucket + first + last <= max_points
    return con.execute(f"""
        WITH src AS (SELECT metric_id, as_of, value FROM observations WHERE {where}),
        b AS (SELECT metric_id, arg_min(as_of, value) AS min_at, min(value) AS min_v,
                     arg_max(as_of, value) AS max_at, max(value) AS max_v
              FROM src GROUP BY metric_id, time_bucket(INTERVAL ($days) DAY, as_of)),
        ends AS (SELECT metric_id, min(as_of) AS first_at, arg_min(value, as_of) AS first_v,
                        max(as_of) AS last_at, arg_max(value, as_of) AS last_v FROM src GROUP BY metric_id)
        SELECT DISTINCT metric_id, as_of, value FROM (
            SELECT metric_id, min_at AS as_of, min_v AS value FROM b
            UNION ALL SELECT metric_id, max_at, max_v FROM b
            UNION ALL SELECT metric_id, first_at, first_v FROM ends
            UNION ALL SELECT metric_id, last_at, last_v FROM ends)
        ORDER BY metric_id, as_of, value""", {**ids, "days": days}).df()


def batches(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM batches ORDER BY batch_id DESC").df()


def active_sample_batch(con):
    row = con.execute("SELECT batch_id, file_name FROM batches WHERE kind = 'sample' "
                      "AND rolled_back_at IS NULL ORDER BY batch_id DESC LIMIT 1").fetchone()
    return row


# --- added for plan pages / pace (issue #3) ---------------------------------------------

def weekly_sums(con, metric_ids: list[str], start, as_of=None) -> pd.DataFrame:
    """Per metric and plan week (week 1 starts on `start`): the SUM of its live daily values.

    The velocity convention: `velocity_<team>` holds points per day; a week's velocity is their sum.
    Observations before `start` (week 0) are left out. Columns: metric_id, week, value, n_days.
    """
    if not metric_ids:
        return pd.DataFrame(columns=["metric_id", "week", "value", "n_days"])
    cutoff = "" if as_of is None else "AND as_of <= $as_of"
    sql = f"""
        SELECT metric_id, CAST(date_diff('day', CAST($start AS DATE), as_of) // 7 + 1 AS INTEGER) AS week,
               sum(value) AS value, count(DISTINCT as_of) AS n_days
        FROM observations
        WHERE list_contains($ids, metric_id) AND as_of >= CAST($start AS DATE) {cutoff}
        GROUP BY ALL ORDER BY metric_id, week"""
    return con.execute(sql, _named(sql, start=start, ids=metric_ids, as_of=as_of)).df()


def weekly_last(con, metric_ids: list[str], start, as_of=None) -> pd.DataFrame:
    """Per metric and plan week: the last live value observed in that week. Columns: metric_id, week, value."""
    if not metric_ids:
        return pd.DataFrame(columns=["metric_id", "week", "value"])
    cutoff = "" if as_of is None else "AND as_of <= $as_of"
    sql = f"""
        SELECT metric_id, CAST(date_diff('day', CAST($start AS DATE), as_of) // 7 + 1 AS INTEGER) AS week,
               arg_max(value, as_of) AS value
        FROM observations
        WHERE list_contains($ids, metric_id) AND as_of >= CAST($start AS DATE) {cutoff}
        GROUP BY ALL ORDER BY metric_id, week"""
    return con.execute(sql, _named(sql, start=start, ids=metric_ids, as_of=as_of)).df()


def trend_inputs(con, as_of=None, window_days: int = 14, fit_days: int = 42) -> pd.DataFrame:
    """Per metric, what pace and projection need, aggregated in DuckDB (one row per metric).

    Daily means first (a day with many rows counts once), then: the baseline (first day's value),
    the latest day and value, the number of days observed, and the least-squares slope (value per
    day) over the last `window_days` days before the latest one (`slope_recent`, `n_recent`) and
    over the whole history (`slope_all`). `fit_x` / `fit_y`: the daily values of the last `fit_days`
    days as two lists (day offsets from the latest day, 0 or negative; values), which the
    projection fits its flattening curve to (transforms.pace) — at most `fit_days` points a metric.
    """
    where = "TRUE" if as_of is None else "as_of <= $as_of"
    # One pass over the daily values: the recent window is a FILTER from each metric's last day
    # (a plain max over the rows); days as integers, dates compared with dates (profile, 10M rows:
    # joining the daily values a second time for the window, date_diff and timestamp casts per row
    # made it 0.9 s).
    sql = f"""
        WITH daily AS NOT MATERIALIZED ({_daily(where)}),
        recent AS (SELECT metric_id, max(as_of) AS last_day, max(as_of) - CAST($window_days AS INTEGER) AS after
                   FROM observations WHERE {where} GROUP BY metric_id)
        SELECT d.metric_id, min(d.as_of) AS first_date, max(d.as_of) AS last_date,
               arg_min(d.value, d.as_of) AS baseline, arg_max(d.value, d.as_of) AS current,
               count(*) AS n_days,
               regr_slope(d.value, d.as_of - DATE '2000-01-01') AS slope_all,
               regr_slope(d.value, d.as_of - DATE '2000-01-01') FILTER (WHERE d.as_of > r.after) AS slope_recent,
               count(*) FILTER (WHERE d.as_of > r.after) AS n_recent,
               list(d.as_of - r.last_day ORDER BY d.as_of)
                   FILTER (WHERE d.as_of > r.last_day - CAST($fit_days AS INTEGER)) AS fit_x,
               list(d.value ORDER BY d.as_of) FILTER (WHERE d.as_of > r.last_day - CAST($fit_days AS INTEGER)) AS fit_y
        FROM daily d JOIN recent r USING (metric_id)
        GROUP BY d.metric_id ORDER BY d.metric_id"""
    return con.execute(sql, _named(sql, as_of=as_of, window_days=window_days, fit_days=fit_days)).df()


def sample_batches(con) -> list[int]:
    """Every active (not rolled back) sample batch, newest first."""
    return [r[0] for r in con.execute("SELECT batch_id FROM batches WHERE kind = 'sample' "
                                      "AND rolled_back_at IS NULL ORDER BY batch_id DESC").fetchall()]


# --- added for alerts, reports and the workbook export (issue #5) ------------------------------

EXPORT_TABLES = ("metrics", "targets", "observations", "metrics_daily", "team_metrics_daily",
                 "compliance_metrics_daily", "batches", "scenarios", "assumptions", "nominations")


def rule_history(con, as_of=None, days: int | None = None) -> pd.DataFrame:
    """One value per metric per day (the day's mean) for every metric, live rows only, up to `as_of`.

    What the alert rules, recording rules and weekly reports evaluate: bounded by metrics × days
    however many raw rows were loaded (DuckDB does the grouping). `days` keeps only the last
    `days` days before `as_of` (or before the newest live observation): with years of daily
    history the app evaluates a window, not every day ever recorded.
    """
    where = "TRUE" if as_of is None else "as_of <= CAST($as_of AS DATE)"
    if days is not None:
        end = "CAST($as_of AS DATE)" if as_of is not None else "(SELECT max(as_of) FROM observations)"
        where += f" AND as_of > {end} - INTERVAL ($days) DAY"
    sql = f"SELECT * FROM ({_daily(where)}) ORDER BY metric_id, as_of"
    return con.execute(sql, _named(sql, as_of=as_of, days=None if days is None else int(days))).df()


def export_tables(con, max_rows: int) -> dict[str, tuple[pd.DataFrame, int]]:
    """Every table as it stands (the plan's table names are the live views), each capped at `max_rows` rows.

    name → (frame, total live rows). Plan reference tables are included as `plan_<name>`.
    """
    names = list(EXPORT_TABLES) + [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'plan\\_%' ESCAPE '\\' "
        "ORDER BY table_name").fetchall()]
    out = {}
    for name in names:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $name", {"name": name}).fetchall()]
        if not cols:
            continue
        where = f"WHERE {LIVE}" if "superseded_by" in cols else ""
        total = con.execute(f'SELECT count(*) FROM "{name}" {where}').fetchone()[0]
        frame = con.execute(f'SELECT * FROM "{name}" {where} LIMIT $max_rows', {"max_rows": max_rows}).df()
        out[name] = (frame.drop(columns=["superseded_by"], errors="ignore"), total)
    return out


def metric_observations(con, metric_id: str, as_of=None, limit: int = 1000) -> pd.DataFrame:
    """One metric's live observations on or before `as_of`, newest first, with the batch each came from."""
    cutoff = "" if as_of is None else "AND o.as_of <= $as_of"
    sql = f"""
        SELECT o.as_of, o.value, o.batch_id, b.kind, b.file_name, b.loaded_at
        FROM observations o LEFT JOIN batches b USING (batch_id)
        WHERE o.metric_id = $metric_id {cutoff}
        ORDER BY o.as_of DESC, o.batch_id DESC LIMIT $limit"""
    return con.execute(sql, _named(sql, metric_id=metric_id, as_of=as_of, limit=limit)).df()
