"""Call-record generator and rollups: generated Parquet through the ibis rollups, checked against a
second, independent implementation (bench/calls_sql.py: hand-written DuckDB SQL with DuckDB's own
time-zone conversion), brute-force sweeps in numpy, and a hand-made store whose answers are worked
out in the comments. The DuckDB/Spark parity test is tests/spark/test_parity.py (make test-spark).
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench import calls_sql
from loaders.calls import generate, record, rollups, schema, zones

START = "2025-03-08"          # Saturday; Sunday 2025-03-09 is the US switch to daylight time


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """4 days × 3,000 generated calls, written in chunks of ≤ 700 (several row groups per day)."""
    root = tmp_path_factory.mktemp("calls") / "calls"
    generate.generate(root, days=4, calls_per_day=3000, seed=3, start=START, chunk=700)
    return root


def read_all(root) -> pd.DataFrame:
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.sql(f"SELECT * FROM read_parquet('{root}/*/*.parquet', hive_partitioning = true)").df()


def test_generator_is_deterministic_and_writes_the_canonical_layout(store, tmp_path):
    again = tmp_path / "again"
    generate.generate(again, days=4, calls_per_day=3000, seed=3, start=START, chunk=700)
    files = sorted(p.relative_to(store) for p in store.glob("day=*/*.parquet"))
    assert [str(f) for f in files] == [f"day=2025-03-{d:02d}/part-gen-s3.parquet" for d in (8, 9, 10, 11)]
    for f in files:
        assert (store / f).read_bytes() == (again / f).read_bytes()
        assert pq.read_schema(store / f).equals(schema.arrow_schema())
    other = tmp_path / "other"
    generate.generate(other, days=1, calls_per_day=3000, seed=4, start=START)
    assert set(read_all(other)["caller_hash"]).isdisjoint(read_all(store)["caller_hash"])


def test_generated_records_are_realistic(store):
    calls = read_all(store)
    assert len(calls) == 4 * 3000 and calls["call_id"].is_unique
    # the day partition is the start date in the reporting zone
    local = calls["start_ts"].dt.tz_convert(zones.reporting_timezone()).dt.date
    assert (pd.to_datetime(local) == pd.to_datetime(calls["day"])).all()
    # weekday effect: Saturday and Sunday quieter than Monday and Tuesday
    per_day = calls.groupby("day").size()
    assert per_day.iloc[:2].max() < per_day.iloc[2:].min()
    # no phone number anywhere: hashes are 64 hex digits, area codes 3 digits of the caller's state
    assert calls["caller_hash"].str.fullmatch(r"[0-9a-f]{64}").all()
    codes = {s: set(c) for s, c in zip(zones.states()["state"], zones.states()["area_codes"])}
    assert all(a in codes[s] for s, a in zip(calls["caller_state"], calls["caller_area_code"]))
    # a repeat caller keeps its state; duplicates are repeats and never billable
    by_caller = calls.groupby("caller_hash")["caller_state"].nunique()
    assert (by_caller == 1).all() and (calls.groupby("caller_hash").size() > 1).any()
    assert calls.loc[calls["is_duplicate"], "is_repeat"].all()
    assert not calls.loc[calls["is_duplicate"], "billable"].any()
    # funnel: converted ⊂ billable ⊂ connected ⊂ routed (a buyer) ⊂ not blocked
    assert not (calls["converted"] & ~calls["billable"]).any()
    assert not (calls["billable"] & ~calls["connected"]).any()
    assert not (calls["connected"] & calls["buyer"].isna()).any()
    assert not (calls["blocked"] & calls["buyer"].notna()).any()
    assert calls.loc[calls["blocked_by_tcpa"], "block_reason"].str.startswith("TCPA").all()
    # caps: no buyer ever takes more calls in a day than its cap; busy weekdays leave calls unrouted
    caps = dict(zip([b[0] for b in generate.BUYERS], generate._caps(3000)))
    taken = calls.dropna(subset=["buyer"]).groupby(["day", "buyer"]).size()
    assert all(n <= caps[b] for (_, b), n in taken.items())
    unrouted = calls[~calls["blocked"] & calls["buyer"].isna()]
    assert len(unrouted) > 0 and not unrouted["connected"].any()
    # routing latency has a long tail; money adds up
    r = calls["routing_ms"].dropna()
    assert r.quantile(0.99) > 3 * r.median()
    assert (calls["payout"] <= calls["revenue"]).all() and (calls.loc[~calls["billable"], "revenue"] == 0).all()
    assert 0.8 < calls["consent_certificate"].notna().mean() < 1


def test_rollups_equal_the_hand_written_sql(store):
    ours = rollups.daily(store)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        theirs = calls_sql.run(con, store)
    theirs["day"] = pd.to_datetime(theirs["day"])
    assert list(ours["day"]) == list(theirs["day"])
    assert len(theirs.columns) > 25
    for column in theirs.columns.drop("day"):
        np.testing.assert_allclose(ours[column].to_numpy(float), theirs[column].to_numpy(float),
                                   rtol=1e-12, equal_nan=True, err_msg=column)
    assert ours["outside_hours_calls"].sum() > 0 and ours["outside_state_hours_calls"].sum() > 0


def test_rollup_figures_against_pandas_and_a_brute_force_sweep(store):
    calls = read_all(store)
    ours = rollups.daily(store, short_call_s=45).set_index("day")
    for day, rows in calls.groupby("day"):
        got = ours.loc[pd.Timestamp(day)]
        assert got["incoming_calls"] == len(rows)
        connected = rows[rows["connected"]]
        short = connected[(connected["ended_by"] == "buyer") & (connected["connected_duration_s"] < 45)]
        assert got["short_calls"] == len(short)
        assert got["short_call_rate"] == pytest.approx(len(short) / len(connected))
        assert got["revenue_per_incoming_call"] == pytest.approx(rows["revenue"].sum() / len(rows))
        assert got["margin"] == pytest.approx(
            (rows["revenue"].sum() - rows["payout"].sum() - rows["total_cost"].sum()) / rows["revenue"].sum())
        assert got["routing_p95_ms"] == pytest.approx(rows["routing_ms"].quantile(0.95), rel=1e-12)
        assert got["peak_concurrent_calls"] == sweep(calls, rows)


def sweep(calls: pd.DataFrame, rows: pd.DataFrame) -> int:
    """Peak concurrency by brute force: at each start among `rows`, the calls of `calls` (any day)
    started by then and not yet ended."""
    s = calls["start_ts"].astype("int64").to_numpy() // 10**6
    live = calls["duration_s"].to_numpy() > 0
    starts, ends = np.sort(s[live]), np.sort(s[live] + calls["duration_s"].to_numpy()[live])
    t = np.sort(rows["start_ts"].astype("int64").to_numpy()[rows["duration_s"].to_numpy() > 0] // 10**6)
    return int((np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")).max())


def test_peak_concurrency_per_buyer_counts_unrouted_calls_as_a_group(store):
    calls = read_all(store)
    calls["buyer"] = calls["buyer"].fillna("(unrouted)")
    got = rollups.daily(store, by="buyer")
    got["buyer"] = got["buyer"].fillna("(unrouted)")
    assert (got["buyer"] == "(unrouted)").sum() == 4
    for (day, buyer), rows in calls.groupby(["day", "buyer"]):
        peak = got.loc[(got["day"] == pd.Timestamp(day)) & (got["buyer"] == buyer), "peak_concurrent_calls"]
        assert peak.tolist() == [sweep(calls[calls["buyer"] == buyer], rows)], (day, buyer)


def test_by_groups_add_up_and_the_heatmap_matches_duckdb_time_zones(store):
    total = rollups.daily(store)
    for dim in rollups.DIMENSIONS:
        parts = rollups.daily(store, by=dim)
        sums = parts.groupby("day")[["incoming_calls", "revenue", "outside_hours_calls"]].sum()
        np.testing.assert_allclose(sums.to_numpy(), total.set_index("day")[sums.columns].to_numpy())
    heat = rollups.heatmap(store, start="2025-03-09", end="2025-03-10")
    with duckdb.connect() as con:
        expected = con.sql(f"""
            SELECT (isodow(day) - 1)::INT AS weekday, hour(timezone('{zones.reporting_timezone()}', start_ts))::INT AS hour,
                   count(*) AS calls
            FROM read_parquet('{store}/*/*.parquet', hive_partitioning = true)
            WHERE day BETWEEN DATE '2025-03-09' AND DATE '2025-03-10' GROUP BY ALL ORDER BY 1, 2""").df()
    pd.testing.assert_frame_equal(heat.astype("int64"), expected.astype("int64"))
    assert 2 not in set(heat.loc[heat["weekday"] == 6, "hour"])   # 2am does not exist on 9 March in LA
    assert rollups.daily(store, start="2025-03-10", end="2025-03-10")["incoming_calls"].tolist() == \
        total.loc[total["day"] == "2025-03-10", "incoming_calls"].tolist()


def _hand_made(root):
    """Five calls, answers worked out by hand (reporting zone Los Angeles, UTC−8 in January)."""
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc)  # noqa: E731
    rows = [
        # 19:30 Monday 13 Jan in LA = 22:30 in Florida: outside federal and Florida windows
        dict(call_id="a", start_ts=utc(2025, 1, 14, 3, 30), caller_state="FL", connected=True, duration_s=7200.0,
             connected_duration_s=20.0, ended_by="buyer", blocked=False, routing_ms=1.0, revenue=10.0,
             payout=6.0, total_cost=1.0, consent_certificate="tf-1"),
        # 17:30 in LA = 20:30 in Florida: inside the federal window, outside Florida's own 8am–8pm;
        # it runs until 04:00 UTC, so it overlaps a (from 03:30): 2 calls in progress on Monday
        dict(call_id="b", start_ts=utc(2025, 1, 14, 1, 30), caller_state="FL", connected=True, duration_s=9000.0,
             connected_duration_s=500.0, ended_by="caller", blocked=False, routing_ms=3.0),
        # 23:50 in LA on the 13th, blocked (not judged for calling hours, not in consent coverage)
        dict(call_id="c", start_ts=utc(2025, 1, 14, 7, 50), caller_state="NY", connected=False, duration_s=5.0,
             blocked=True, blocked_by_tcpa=True, consent_certificate=" "),
        # 00:10 on the 14th in LA; call a (03:30 UTC + 2 h = 05:30 UTC) has ended, so it does not spill
        dict(call_id="d", start_ts=utc(2025, 1, 14, 8, 10), caller_state="CA", connected=False, duration_s=4000.0,
             blocked=False),
        # 01:00 on the 14th in LA: d (08:10 + 4000 s = 09:16:40 UTC) still runs → 2 in progress
        dict(call_id="e", start_ts=utc(2025, 1, 14, 9, 0), caller_state=None, connected=False, duration_s=10.0,
             blocked=False),
    ]
    for r in rows:
        day = pd.Timestamp(r["start_ts"]).tz_convert("America/Los_Angeles").date()
        (root / f"day={day}").mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([{c: r.get(c) for c in schema.NAMES}], schema=schema.arrow_schema()),
                       root / f"day={day}" / f"part-{r['call_id']}.parquet")


def test_hand_made_calls(tmp_path):
    _hand_made(tmp_path)
    got = rollups.daily(tmp_path).set_index(rollups.daily(tmp_path)["day"].dt.strftime("%Y-%m-%d"))
    mon, tue = got.loc["2025-01-13"], got.loc["2025-01-14"]
    assert (mon["incoming_calls"], tue["incoming_calls"]) == (3, 2)
    assert (mon["outside_hours_calls"], mon["outside_federal_hours_calls"], mon["outside_state_hours_calls"]) == (2, 1, 2)
    assert (tue["outside_hours_calls"], tue["calls_without_state"]) == (1, 1)      # d: 00:10 in California
    assert mon["peak_concurrent_calls"] == 2 and tue["peak_concurrent_calls"] == 2
    assert mon["consent_coverage_rate"] == 0.5          # a has one, b none; c is blocked
    assert (mon["short_calls"], mon["avg_handle_time_s"]) == (1, 260.0)
    assert mon["routing_p50_ms"] == 2.0 and mon["routing_p99_ms"] == pytest.approx(2.98)
    assert (mon["revenue"], mon["profit"], mon["margin"]) == (10.0, 3.0, 0.3)
    assert np.isnan(tue["margin"]) and tue["revenue"] == 0.0
    assert mon["revenue_per_incoming_call"] == pytest.approx(10 / 3)


def test_empty_store_and_bad_groups(tmp_path):
    empty = rollups.daily(tmp_path / "none")
    assert empty.empty and list(empty.columns) == ["day", *rollups.ROLLUP_COLUMNS]
    assert rollups.heatmap(tmp_path / "none").empty
    with pytest.raises(ValueError, match="choose from publisher, buyer, campaign"):
        rollups.daily(tmp_path, by="caller_hash")


def test_recorded_observations_equal_plain_sql(store, db):
    """generate → record → the observations view (what every page reads) holds the day's p99 and
    consent coverage exactly as plain DuckDB SQL over the Parquet computes them."""
    result = record.record(store, db=db)
    assert result.table == "observations" and result.rows == 6 * 4
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        expected = con.sql(f"""
            SELECT day, quantile_cont(routing_ms, 0.99) AS p99,
                   100.0 * count(*) FILTER (NOT blocked AND consent_certificate <> '')
                         / count(*) FILTER (NOT blocked) AS consent
            FROM read_parquet('{store}/*/*.parquet', hive_partitioning = true) GROUP BY day ORDER BY day""").df()
    with duckdb.connect(str(db), read_only=True) as con:
        seen = con.sql("""SELECT metric_id, as_of, value FROM observations
                          WHERE metric_id IN ('routing_decision_time_ms', 'consent_coverage_pct')
                            AND as_of >= DATE '2025-03-08' ORDER BY metric_id, as_of""").df()
    p99 = seen[seen["metric_id"] == "routing_decision_time_ms"]
    consent = seen[seen["metric_id"] == "consent_coverage_pct"]
    np.testing.assert_allclose(p99["value"], expected["p99"], rtol=1e-9)
    np.testing.assert_allclose(consent["value"], expected["consent"], rtol=1e-9)
    # its own batch: undo takes the figures away again
    from loaders import load
    load.rollback(result.batch_id, db=db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM observations WHERE metric_id = 'routing_decision_time_ms' "
                           "AND as_of >= DATE '2025-03-08'").fetchall() == [(0,)]


def test_recording_rules_name_real_metrics_and_rollups(plan_db):
    rules = pd.read_csv(zones.PLAN / "recording_rules.csv")
    with duckdb.connect(str(plan_db), read_only=True) as con:
        metrics = {r[0] for r in con.execute("SELECT metric_id FROM metrics").fetchall()}
    assert set(rules["metric_id"].dropna()) <= metrics
    assert set(rules["rollup_column"]) <= set(rollups.ROLLUP_COLUMNS)
    assert rules["notes"].str.len().min() > 40               # every decision says why
    assert "api_latency_p95_ms" not in set(rules["metric_id"].dropna())


def test_cli_generate_and_record(tmp_path, db, monkeypatch, capsys):
    from loaders.__main__ import main
    monkeypatch.setenv("DCE_CALLS", str(tmp_path / "calls"))
    assert main(["calls", "generate", "--days", "2", "--calls-per-day", "400", "--seed", "9"]) == 0
    assert re.search(r"generated 800 calls over 2 days", capsys.readouterr().out)
    assert main(["calls", "record", "--start", "2025-01-14"]) == 0
    assert re.search(r"batch \d+: loaded 6 rows into observations", capsys.readouterr().out)
    assert main(["calls", "record", "--start", "14/01/2025"]) == 1
    assert "not a date" in capsys.readouterr().out
    assert os.path.isdir(tmp_path / "calls" / "day=2025-01-13")
