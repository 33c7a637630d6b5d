"""The sample history: deterministic, loaded through the ordinary loader, removable, and shaped to drive alerts."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from loaders import queries, sample


@pytest.fixture(scope="module")
def frames():
    return sample.generate()


def _runs(series: pd.Series) -> list[tuple[date, date | None]]:
    """Consecutive days on which a boolean series holds: (first, last) — last None when it holds at the end."""
    out, start, prev = [], None, None
    for day, holds in series.items():
        if holds and start is None:
            start = day
        if not holds and start is not None:
            out.append((start.date(), prev.date()))
            start = None
        prev = day
    if start is not None:
        out.append((start.date(), None))
    return out


def test_generation_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    pa_, pb = sample.write_files(a), sample.write_files(b)
    assert all(pa_[t].read_bytes() == pb[t].read_bytes() for t in pa_)


def test_covers_plan_weeks_1_to_12(frames):
    md = frames["metrics_daily"]
    assert md["date"].min() == pd.Timestamp("2025-01-13") and md["date"].max() == pd.Timestamp("2025-04-06")
    assert len(md) == 84 and len(frames["team_metrics_daily"]) == 84 * 5
    # metrics fed by the wide tables are not repeated in the observations file
    assert not set(frames["observations"]["metric_id"]) & {"team_velocity_total", "velocity_security", "security_score"}


def test_team_velocity_total_is_the_trailing_7_day_sum_of_daily_points(frames):
    team = frames["team_metrics_daily"].groupby("date")["story_points_completed"].sum()
    trailing = team.rolling(7, min_periods=1).sum()
    assert list(frames["metrics_daily"].set_index("date")["team_velocity_total"]) == list(trailing.astype(int))
    weekly = team.groupby((team.index - pd.Timestamp("2025-01-13")).days // 7 + 1).sum()
    assert weekly[1] < 10 and weekly.loc[6:11].min() >= 60 and weekly[12] == 58     # ramps up; slow last week


def test_weekly_targets_missed_fires_early_and_is_pending_at_the_end(frames):
    velocity = frames["metrics_daily"].set_index("date")["team_velocity_total"]
    runs = _runs(velocity < 60)
    assert runs[0] == (date(2025, 1, 13), date(2025, 2, 13))          # held 32 days ≥ 7d: fired from 01-20
    assert runs[-1] == (date(2025, 4, 4), None)                         # held 2 days at 04-06 < 7d: pending


def test_test_coverage_decline_fires_at_the_end_and_others_resolve(frames):
    md = frames["metrics_daily"].set_index("date")
    assert _runs(md["test_coverage_percentage"] < 80) == [(date(2025, 1, 13), None)]
    assert _runs(md["overall_health_score"] < 70)[-1][1] is not None
    assert _runs(md["critical_vulnerabilities"] > 0)[-1] == (date(2025, 2, 24), date(2025, 2, 25))
    assert _runs(md["api_latency_p99"] > 100)[-1][1] is not None


def test_load_is_a_noop_the_second_time_and_remove_rolls_back(db):
    first = sample.load_sample(db)
    assert first.startswith("loaded the sample history") and "4 batches" in first
    assert "already loaded" in sample.load_sample(db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert len(queries.sample_batches(con)) == 4
        assert str(queries.latest_date(con)) == "2025-04-06"
        dnc = con.execute("SELECT value FROM observations WHERE metric_id = 'dnc_list_sync_status' "
                          "AND as_of = DATE '2025-04-06'").fetchone()[0]
        assert dnc == 100                                      # a BOOLEAN true feeds a done-type metric as 100
    assert "rolled back 4 batches" in sample.remove_sample(db)
    assert "nothing to remove" in sample.remove_sample(db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert str(queries.latest_date(con)) == "2025-01-12"
        assert con.execute("SELECT count(*) FROM observations").fetchone()[0] == 87


def test_cli_sample_and_remove(db, capsys):
    from loaders.__main__ import main
    assert main(["sample"]) == 0 and "loaded the sample history" in capsys.readouterr().out
    assert main(["sample", "--remove"]) == 0 and "removed the sample history" in capsys.readouterr().out


def test_weekly_sums_in_sql(db):
    sample.load_sample(db)
    with duckdb.connect(str(db), read_only=True) as con:
        sums = queries.weekly_sums(con, ["velocity_security", "velocity_integration"], date(2025, 1, 13))
        trends = queries.trend_inputs(con).set_index("metric_id")
    assert set(sums["week"]) == set(range(1, 13)) and (sums["n_days"] == 7).all()
    assert sums.groupby("week")["value"].sum()[12] == 13 + 9
    assert trends.loc["api_latency_p99_ms", "n_days"] == 84
    assert trends.loc["security_control_encryption_pct", "baseline"] == 30      # the plan's week-0 value
