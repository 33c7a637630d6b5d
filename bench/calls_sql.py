"""The daily call rollup hand-written in DuckDB SQL: the baseline of calls_rollup_100m, and an
independent second implementation the tests compare loaders/calls/rollups.py against.

It shares nothing with rollups.py but the data files: local times come from DuckDB's own ICU
time-zone conversion (`timezone(zone, ts)`), not from the offsets table rollups.py joins.
"""
from __future__ import annotations

from loaders.calls import zones

SQL = """
WITH calls AS (
  SELECT c.*, epoch(c.start_ts)::BIGINT AS s,
         r.zone, r.win_start_s, r.win_end_s, r.fed_start_s, r.fed_end_s, r.own_window,
         r.state_start_s, r.state_end_s
  FROM read_parquet('{root}/*/*.parquet', hive_partitioning = true) c
  LEFT JOIN _rules r ON r.state = c.caller_state
  {where}
), judged AS (
  SELECT *,
         CASE WHEN zone IS NULL THEN NULL ELSE
           (hour(timezone(zone, start_ts)) * 3600 + minute(timezone(zone, start_ts)) * 60
            + second(timezone(zone, start_ts))) END AS sod
  FROM calls
), agg AS (
  SELECT day,
    count(*) AS incoming_calls,
    count(*) FILTER (connected) AS connected_calls,
    count(*) FILTER (billable) AS billable_calls,
    count(*) FILTER (converted) AS converted_calls,
    count(*) FILTER (is_duplicate) AS duplicate_calls,
    count(*) FILTER (is_repeat) AS repeat_calls,
    count(*) FILTER (blocked) AS blocked_calls,
    count(*) FILTER (blocked_by_tcpa) AS tcpa_blocked_calls,
    coalesce(sum(revenue), 0) AS revenue, coalesce(sum(payout), 0) AS payout,
    coalesce(sum(total_cost), 0) AS cost,
    avg(connected_duration_s) FILTER (connected) AS avg_handle_time_s,
    count(*) FILTER (connected AND ended_by = 'buyer' AND connected_duration_s < {short}) AS short_calls,
    avg(time_to_connect_s) FILTER (connected) AS avg_time_to_connect_s,
    count(routing_ms) AS routing_calls,
    quantile_cont(routing_ms, 0.5) AS routing_p50_ms,
    quantile_cont(routing_ms, 0.95) AS routing_p95_ms,
    quantile_cont(routing_ms, 0.99) AS routing_p99_ms,
    count(*) FILTER (sod IS NULL) AS calls_without_state,
    count(*) FILTER (NOT coalesce(blocked, false) AND (sod < win_start_s OR sod >= win_end_s)) AS outside_hours_calls,
    count(*) FILTER (NOT coalesce(blocked, false) AND (sod < fed_start_s OR sod >= fed_end_s)) AS outside_federal_hours_calls,
    count(*) FILTER (NOT coalesce(blocked, false) AND own_window
                     AND (sod < state_start_s OR sod >= state_end_s)) AS outside_state_hours_calls,
    count(*) FILTER (NOT coalesce(blocked, false)) AS unblocked_calls,
    count(*) FILTER (NOT coalesce(blocked, false) AND length(trim(consent_certificate)) > 0) AS consent_calls
  FROM judged GROUP BY day
), active AS (
  SELECT day, s::DOUBLE AS s, s + duration_s AS e FROM calls WHERE duration_s > 0
), firsts AS (
  SELECT day, min(s) AS first_s, lead(min(s)) OVER (ORDER BY day) AS next_first_s FROM active GROUP BY day
), spilled AS (               -- calls still running when a later day's first call starts
  SELECT f.day, f.first_s, a.e
  FROM (SELECT a.* FROM active a JOIN firsts f USING (day) WHERE a.e > f.next_first_s) a
  JOIN firsts f ON a.day < f.day AND a.e > f.first_s
), events AS (
  SELECT day, s AS ts, 1 AS delta FROM active
  UNION ALL SELECT day, e, -1 FROM active
  UNION ALL SELECT day, first_s, 1 FROM spilled
  UNION ALL SELECT day, e, -1 FROM spilled
), net AS (
  SELECT day, ts, sum(delta) AS net FROM events GROUP BY day, ts
), peak AS (
  SELECT day, max(level) AS peak_concurrent_calls
  FROM (SELECT day, sum(net) OVER (PARTITION BY day ORDER BY ts ROWS UNBOUNDED PRECEDING) AS level FROM net)
  GROUP BY day
)
SELECT agg.*, coalesce(peak.peak_concurrent_calls, 0) AS peak_concurrent_calls,
       revenue - payout - cost AS profit, revenue / incoming_calls AS revenue_per_incoming_call,
       consent_calls / nullif(unblocked_calls, 0) AS consent_coverage_rate
FROM agg LEFT JOIN peak USING (day) ORDER BY day
"""


def sql(root, *, start=None, end=None, short_call_s: float = 30) -> str:
    where = []
    if start:
        where.append(f"c.day >= DATE '{start}'")
    if end:
        where.append(f"c.day <= DATE '{end}'")
    return SQL.format(root=str(root).rstrip("/"), short=float(short_call_s),
                      where=("WHERE " + " AND ".join(where)) if where else "")


def run(con, root, **kw):
    """The hand-written daily rollup as a pandas frame (DuckDB connection `con`, TimeZone UTC)."""
    con.register("_rules", zones.state_rules())
    try:
        return con.sql(sql(root, **kw)).df()
    finally:
        con.unregister("_rules")
