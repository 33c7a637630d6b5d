"""Call-record KPI rollups, each defined once as an ibis expression, run on DuckDB (default) or Spark.

Entry points (every one returns a small, aggregated pandas frame; rows never reach pandas):

    daily(root=None, *, by=(), start=None, end=None, short_call_s=30, engine="duckdb")
        One row per day (and per `by` group: any of "publisher", "buyer", "campaign"), sorted by
        the keys, with the columns of ROLLUP_COLUMNS below.
    heatmap(root=None, *, by=(), start=None, end=None, engine="duckdb")
        Incoming calls per weekday (0 = Monday … 6 = Sunday) × hour (0–23) of the reporting time
        zone: columns [*by, weekday, hour, calls]; only cells with calls are returned.
    daily_expr(calls, ...) / heatmap_expr(calls, ...)
        The same as ibis expressions over an ibis table of call records (the one definition).
    calls_table(con, root) / connect(engine)
        Open the store on a backend: DuckDB reads `read_parquet('<root>/*/*.parquet',
        hive_partitioning = true)` in place; Spark reads the folder `<root>` (partition discovery).

`root` defaults to `schema.calls_root()`; `start`/`end` are inclusive days (date or 'YYYY-MM-DD')
and prune `day=` partitions. `engine` is "duckdb", "spark", or an ibis backend already connected
(a Spark session is expensive: the parity test and a Spark job pass theirs). A store without any
Parquet file gives an empty frame with the same columns.

Definitions (the day is the call's `day` partition: its start date in the reporting time zone):
- *_calls are counts; *_rate are fractions 0–1 of incoming calls unless the name or ROLLUP_COLUMNS
  says otherwise (short_call_rate: of connected calls; consent_coverage_rate: of calls not blocked).
- blocked_calls counts every block; tcpa_blocked_calls the TCPA ones (litigator, DNC, calling
  hours); other_blocked_calls = blocked − TCPA.
- profit = revenue − payout − cost (net); gross_profit = revenue − payout (Ringba/Retreaver
  profit_gross); margin = profit / revenue (null without revenue).
- revenue_per_incoming_call: the denominator is incoming calls (every call, blocked ones included).
- avg_handle_time_s: mean connected_duration_s of connected calls; avg_time_to_connect_s: mean
  time_to_connect_s of connected calls.
- short_calls: connected, ended_by = 'buyer', connected_duration_s < short_call_s (default 30).
- routing_p50_ms / p95 / p99: exact continuous percentiles (linear interpolation between the two
  nearest ranks, position (n − 1)·q: DuckDB quantile_cont, Spark percentile; both exact, neither
  approximate) over calls with routing_ms; null where no call has it.
- peak_concurrent_calls: the most calls in progress at any instant of the day, a call being in
  progress over [start_ts, start_ts + duration_s) (seconds; zero or missing durations never are).
  Exact: calls started on an earlier day and still running count too. Computed as the running sum
  of +1 at each start and −1 at each end, per (group, second) net, ordered by time.
- outside_hours_calls: calls not blocked that started outside the caller's local calling window
  (the state's own window where regulatory_rules.csv has a stricter one, else the federal 8am–9pm);
  outside_federal_hours_calls / outside_state_hours_calls: outside the federal window / outside
  a state's own window. The caller's zone is its state's (data/plan/state_timezones.csv); calls
  without a known state are not judged (calls_without_state counts them).
- consent_coverage_rate: calls not blocked with a consent certificate / calls not blocked.
"""
from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

from loaders.calls import zones

# ibis is imported where an expression is built, not here: importing it costs ~0.5 s, and the /calls page
# and the CLI import this module for ROLLUP_COLUMNS long before (or without) any call record to roll up.

DIMENSIONS = ("publisher", "buyer", "campaign")

ROLLUP_COLUMNS = {
    "incoming_calls": "calls that came in (every row)",
    "connected_calls": "calls that reached a buyer",
    "billable_calls": "calls the buyer pays for",
    "converted_calls": "calls whose conversion event fired",
    "connect_rate": "connected / incoming",
    "billable_rate": "billable / incoming",
    "conversion_rate": "converted / incoming",
    "duplicate_calls": "calls flagged duplicate",
    "duplicate_rate": "duplicate / incoming",
    "repeat_calls": "calls from a caller seen within the repeat window",
    "repeat_rate": "repeat / incoming",
    "blocked_calls": "calls blocked before routing (any reason)",
    "blocked_rate": "blocked / incoming",
    "tcpa_blocked_calls": "calls blocked by a TCPA rule",
    "tcpa_block_rate": "TCPA-blocked / incoming",
    "other_blocked_calls": "blocked for other reasons (blocked − TCPA)",
    "revenue": "USD the buyers pay",
    "payout": "USD paid to publishers",
    "cost": "USD telephony and other cost (total_cost)",
    "gross_profit": "revenue − payout",
    "profit": "revenue − payout − cost",
    "margin": "profit / revenue (null without revenue)",
    "revenue_per_incoming_call": "revenue / incoming calls",
    "avg_handle_time_s": "mean talk time of connected calls, s",
    "short_calls": "connected calls the buyer ended under short_call_s of talk",
    "short_call_rate": "short / connected",
    "avg_time_to_connect_s": "mean seconds to answer, connected calls",
    "routing_calls": "calls with a routing decision time",
    "routing_p50_ms": "routing decision time p50, ms (exact)",
    "routing_p95_ms": "routing decision time p95, ms (exact)",
    "routing_p99_ms": "routing decision time p99, ms (exact)",
    "peak_concurrent_calls": "most calls in progress at one instant",
    "calls_without_state": "calls without a caller state (calling hours not judged)",
    "outside_hours_calls": "calls not blocked, outside the caller's applicable local window",
    "outside_hours_rate": "outside-hours / incoming",
    "outside_federal_hours_calls": "calls not blocked, outside the federal 8am–9pm local window",
    "outside_state_hours_calls": "calls not blocked, outside their state's own stricter window",
    "unblocked_calls": "calls not blocked",
    "consent_calls": "calls not blocked carrying a consent certificate",
    "consent_coverage_rate": "consent / not blocked",
}


# -- engines -------------------------------------------------------------------------------------

def connect(engine="duckdb", *, memory_limit: str | None = None):
    """An ibis backend: "duckdb" (in-memory, reads Parquet in place), "spark" (local-mode session,
    UTC), or a backend passed through."""
    if not isinstance(engine, str):
        return engine
    import ibis
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET TimeZone = 'UTC'")
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise ValueError(f"unknown engine {engine!r}: 'duckdb', 'spark' or an ibis backend")


def spark_session(master: str = "local[2]"):
    """A local Spark session in UTC (PySpark 4 warns that pandas ≥ 3 is untested: accepted, filtered)."""
    warnings.filterwarnings("ignore", message=".*pandas.*", category=UserWarning)
    warnings.filterwarnings("ignore", message=".*pandas.*", category=FutureWarning)
    from pyspark.sql import SparkSession
    session = (SparkSession.builder.master(master).appName("dce-call-rollups")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def _files(root: Path) -> bool:
    return str(root).startswith(("s3://", "gs://", "abfs")) or any(Path(root).glob("day=*/*.parquet"))


def calls_table(con, root):
    """The store at `root` as an ibis table on `con`, read in place by the backend itself."""
    root = str(root).rstrip("/")
    if con.name == "duckdb":
        return con.read_parquet(f"{root}/*/*.parquet", hive_partitioning=True)
    return con.read_parquet(root)


def _root(root):
    if root is None:
        from loaders.calls.schema import calls_root
        return calls_root()
    return root


# -- the definitions -----------------------------------------------------------------------------

def _day(value):
    return None if value is None else (value if isinstance(value, date) else date.fromisoformat(str(value)))


def _base(calls, start, end):
    """The store with `day` filtered and start_s (UTC epoch seconds, whole) / end_s added."""
    t = calls
    if _day(start) is not None:
        t = t.filter(t.day >= _day(start))
    if _day(end) is not None:
        t = t.filter(t.day <= _day(end))
    start_s = t.start_ts.epoch_seconds().cast("int64")
    return t.mutate(start_s=start_s, year=t.day.year().cast("int32"))


def _with_reporting_time(t):
    """Add rep_s: local epoch seconds in the reporting zone (join on the year of `day`)."""
    import ibis
    rep = ibis.memtable(zones.offsets([zones.reporting_timezone()]).drop(columns="zone")).rename(
        {f"r_{c}": c for c in ("year", "o0", "t1", "o1", "t2", "o2")})
    t = t.left_join(rep, t.year == rep.r_year)
    return t.mutate(rep_s=ibis.cases((t.start_s < t.r_t1, t.r_o0), (t.start_s < t.r_t2, t.r_o1),
                                     else_=t.r_o2) + t.start_s)


def _with_caller_time(t):
    """Add caller_sod (seconds into the caller's local day; null without a known state) and the
    caller's calling windows (c_*), by one join on (state, year) with a table of a few thousand rows."""
    import ibis
    rules = zones.state_rules()
    caller = zones.offsets(rules["zone"]).merge(rules, on="zone").drop(columns="zone")
    cz = ibis.memtable(caller).rename({f"c_{c}": c for c in caller.columns})
    t = t.left_join(cz, [t.caller_state == cz.c_state, t.year == cz.c_year])
    local = ibis.cases((t.start_s < t.c_t1, t.c_o0), (t.start_s < t.c_t2, t.c_o1), else_=t.c_o2) + t.start_s
    return t.mutate(caller_sod=local % 86400)


def _outside(sod, lo, hi):
    return (sod < lo) | (sod >= hi)


def daily_expr(calls, *, by=(), start=None, end=None, short_call_s: float = 30):
    """The daily rollup of ROLLUP_COLUMNS as one ibis expression over the call-record table `calls`."""
    by = _check_by(by)
    keys = ["day", *by]
    t = _with_caller_time(_base(calls, start, end))
    unblocked = ~t.blocked.fill_null(False)
    known = t.caller_sod.notnull()
    connected = t.connected.fill_null(False)
    cert = t.consent_certificate.notnull() & (t.consent_certificate.strip().length() > 0)
    agg = t.group_by(keys).aggregate(
        incoming_calls=t.count(),
        connected_calls=t.count(where=connected),
        billable_calls=t.count(where=t.billable.fill_null(False)),
        converted_calls=t.count(where=t.converted.fill_null(False)),
        duplicate_calls=t.count(where=t.is_duplicate.fill_null(False)),
        repeat_calls=t.count(where=t.is_repeat.fill_null(False)),
        blocked_calls=t.count(where=t.blocked.fill_null(False)),
        tcpa_blocked_calls=t.count(where=t.blocked_by_tcpa.fill_null(False)),
        revenue=t.revenue.sum(),
        payout=t.payout.sum(),
        cost=t.total_cost.sum(),
        avg_handle_time_s=t.connected_duration_s.mean(where=connected),
        short_calls=t.count(where=connected & (t.ended_by == "buyer")
                            & (t.connected_duration_s < short_call_s)),
        avg_time_to_connect_s=t.time_to_connect_s.mean(where=connected),
        routing_calls=t.routing_ms.count(),
        routing_p50_ms=t.routing_ms.quantile(0.50),
        routing_p95_ms=t.routing_ms.quantile(0.95),
        routing_p99_ms=t.routing_ms.quantile(0.99),
        calls_without_state=t.count(where=~known),
        outside_hours_calls=t.count(where=unblocked & known & _outside(t.caller_sod, t.c_win_start_s,
                                                                       t.c_win_end_s)),
        outside_federal_hours_calls=t.count(where=unblocked & known & _outside(
            t.caller_sod, t.c_fed_start_s, t.c_fed_end_s)),
        outside_state_hours_calls=t.count(where=unblocked & t.c_own_window & _outside(
            t.caller_sod, t.c_state_start_s, t.c_state_end_s)),
        unblocked_calls=t.count(where=unblocked),
        consent_calls=t.count(where=unblocked & cert),
    )
    peak = _peak_concurrent(calls, keys, start, end)
    # null-safe keys: a NULL buyer (unrouted calls) is a group of its own
    agg = agg.left_join(peak, _same_keys(agg, peak, keys)).select(
        *[agg[c] for c in agg.columns], peak_concurrent_calls=peak.peak.fill_null(0))
    money = lambda x: x.fill_null(0)   # noqa: E731 - sums over no value are 0 dollars, not unknown
    per = lambda n, d: (n.cast("float64") / d.nullif(0))   # noqa: E731
    out = agg.mutate(
        revenue=money(agg.revenue), payout=money(agg.payout), cost=money(agg.cost))
    out = out.mutate(
        connect_rate=per(out.connected_calls, out.incoming_calls),
        billable_rate=per(out.billable_calls, out.incoming_calls),
        conversion_rate=per(out.converted_calls, out.incoming_calls),
        duplicate_rate=per(out.duplicate_calls, out.incoming_calls),
        repeat_rate=per(out.repeat_calls, out.incoming_calls),
        blocked_rate=per(out.blocked_calls, out.incoming_calls),
        tcpa_block_rate=per(out.tcpa_blocked_calls, out.incoming_calls),
        other_blocked_calls=out.blocked_calls - out.tcpa_blocked_calls,
        gross_profit=out.revenue - out.payout,
        profit=out.revenue - out.payout - out.cost,
        margin=(out.revenue - out.payout - out.cost) / out.revenue.nullif(0),
        revenue_per_incoming_call=per(out.revenue, out.incoming_calls),
        short_call_rate=per(out.short_calls, out.connected_calls),
        outside_hours_rate=per(out.outside_hours_calls, out.incoming_calls),
        consent_coverage_rate=per(out.consent_calls, out.unblocked_calls),
    )
    return out.select(*keys, *ROLLUP_COLUMNS).order_by(keys)


def _same_keys(a, b, keys):
    """Join conditions on the group keys: `day` is never null (a plain, faster equi-join); the
    dimensions are compared null-safely (IS NOT DISTINCT FROM / <=>)."""
    return [a[k] == b[k] if k == "day" else a[k].identical_to(b[k]) for k in keys]


def _peak_concurrent(calls, keys, start, end):
    """Per group: max over time of the running count of calls in progress (see module docstring)."""
    import ibis
    t = _base(calls, start, end)
    t = t.filter(t.duration_s > 0).mutate(end_s=t.start_s.cast("float64") + t.duration_s)
    group = [k for k in keys if k != "day"]
    firsts = t.group_by(keys).aggregate(first_s=t.start_s.min())
    firsts = firsts.mutate(next_first_s=firsts.first_s.lead().over(
        ibis.window(group_by=group or None, order_by="day")))
    # calls still running when the next day of their group starts: the only ones that can spill over
    j = t.join(firsts, _same_keys(t, firsts, keys))
    spill_candidates = j.filter(j.end_s > j.next_first_s).select(*group, from_day=j.day, end_s=j.end_s)
    f2 = firsts.select(*keys, first_s=firsts.first_s)
    s = spill_candidates
    conds = [s[k].identical_to(f2[k]) for k in group] + [s.from_day < f2.day, s.end_s > f2.first_s]
    spilled = s.join(f2, conds).select(*[f2[k] for k in keys], first_s=f2.first_s, end_s=s.end_s)
    events = ibis.union(
        t.select(*keys, ts=t.start_s.cast("float64"), delta=ibis.literal(1, "int64")),
        t.select(*keys, ts=t.end_s, delta=ibis.literal(-1, "int64")),
        spilled.select(*keys, ts=spilled.first_s.cast("float64"), delta=ibis.literal(1, "int64")),
        spilled.select(*keys, ts=spilled.end_s, delta=ibis.literal(-1, "int64")),
        distinct=False,
    )
    net = events.group_by([*keys, "ts"]).aggregate(net=events.delta.sum())
    running = net.mutate(level=net.net.cumsum(order_by=net.ts, group_by=keys))
    return running.group_by(keys).aggregate(peak=running.level.max())


def heatmap_expr(calls, *, by=(), start=None, end=None):
    """Incoming calls by weekday × hour of the reporting zone (weekday 0 = Monday)."""
    from ibis import _
    by = _check_by(by)
    t = _with_reporting_time(_base(calls, start, end))
    t = t.mutate(weekday=t.day.day_of_week.index().cast("int32"),
                 hour=((t.rep_s % 86400) // 3600).cast("int32"))
    return t.group_by([*by, "weekday", "hour"]).aggregate(calls=_.count()).order_by([*by, "weekday", "hour"])


def _check_by(by) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    bad = [b for b in by if b not in DIMENSIONS]
    if bad:
        raise ValueError(f"cannot roll up by {bad}: choose from {', '.join(DIMENSIONS)}")
    return by


# -- entry points --------------------------------------------------------------------------------

def _empty(columns):
    import pandas as pd
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


def _run(expr_fn, columns, root, engine, **kw):
    root = _root(root)
    if not _files(root):
        return _empty(columns)
    con = connect(engine)
    frame = expr_fn(calls_table(con, root), **kw).to_pandas()
    if "day" in frame:
        import pandas as pd
        frame["day"] = pd.to_datetime(frame["day"])
    return frame.reset_index(drop=True)


def daily(root=None, *, by=(), start=None, end=None, short_call_s: float = 30, engine="duckdb"):
    """ROLLUP_COLUMNS per day (and `by` group) as a pandas frame; see the module docstring."""
    columns = ["day", *_check_by(by), *ROLLUP_COLUMNS]
    return _run(daily_expr, columns, root, engine, by=by, start=start, end=end, short_call_s=short_call_s)


def heatmap(root=None, *, by=(), start=None, end=None, engine="duckdb"):
    """Calls per weekday × hour of the reporting zone; see the module docstring."""
    columns = [*_check_by(by), "weekday", "hour", "calls"]
    return _run(heatmap_expr, columns, root, engine, by=by, start=start, end=end)
