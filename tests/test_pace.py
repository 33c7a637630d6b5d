"""Pace and projection with "today" passed explicitly (no wall clock), and the page transforms' edge cases."""
from datetime import date

import pandas as pd
import pytest

from transforms import pace, status
from transforms.calendar import week_end

TODAY = date(2025, 2, 16)          # end of plan week 5


def run(**kw):
    base = dict(baseline=0.0, first_date=date(2025, 1, 12), current=50.0, last_date=TODAY, slope=1.0, n_days=10,
                op=">=", target=100.0, due_date=week_end(8), direction="higher_better", unit="%", today=TODAY)
    base.update(kw)
    return pace.assess(**base)


def test_expected_is_linear_from_baseline_to_the_due_target():
    # 35 of the 56 days from 2025-01-12 to 2025-03-09 (end of week 8) → 62.5
    assert run()["expected"] == pytest.approx(100 * 35 / 56)


def test_on_track_when_the_trend_reaches_the_target():
    result = run(current=80.0, slope=1.0)               # 80 + 21 days × 1 = 101 → clipped to 100 (a percent)
    assert result["verdict"] == pace.ON_TRACK and result["projected"] == 100.0


def test_at_risk_when_ahead_of_pace_but_projected_to_miss():
    result = run(current=70.0, slope=0.5)               # expected 62.5; projected 70 + 21 × 0.5 = 80.5 < 100
    assert result["verdict"] == pace.AT_RISK and result["projected"] == pytest.approx(80.5)


def test_off_track_when_behind_pace_and_projected_to_miss():
    assert run(current=30.0, slope=0.5)["verdict"] == pace.OFF_TRACK


def test_lower_better_going_up_is_never_on_track():
    # latency 40 ms, target < 50 by week 8, but rising 1 ms/day → 61 ms at the due date
    result = run(baseline=200.0, current=40.0, slope=1.0, op="<", target=50.0, direction="lower_better", unit="ms")
    assert result["projected"] == pytest.approx(61.0)
    assert result["verdict"] == pace.AT_RISK            # ahead of the expected pace (106 ms), projected to miss
    falling = run(baseline=200.0, current=60.0, slope=-1.0, op="<", target=50.0, direction="lower_better", unit="ms")
    assert falling["verdict"] == pace.ON_TRACK and falling["projected"] == pytest.approx(39.0)


def test_lower_better_behind_pace_is_off_track():
    result = run(baseline=200.0, current=150.0, slope=0.0, op="<", target=50.0, direction="lower_better", unit="ms")
    assert result["expected"] == pytest.approx(200 - 150 * 35 / 56) and result["verdict"] == pace.OFF_TRACK


def test_target_zero_counts_cannot_go_negative():
    result = run(baseline=6.0, current=2.0, slope=-1.0, op="=", target=0.0, direction="lower_better", unit="count")
    assert result["projected"] == 0.0 and result["verdict"] == pace.ON_TRACK
    stuck = run(baseline=6.0, current=2.0, slope=0.0, op="=", target=0.0, direction="lower_better", unit="count")
    assert stuck["verdict"] != pace.ON_TRACK


def test_done_targets_project_completion():
    assert run(op="done", target=None, direction="done", unit="done", current=75.0, slope=2.0)["verdict"] == pace.ON_TRACK
    assert run(op="done", target=None, direction="done", unit="done", current=25.0, slope=0.0)["verdict"] == pace.OFF_TRACK


def test_fewer_than_two_days_is_not_enough_history():
    result = run(n_days=1)
    assert result["verdict"] == pace.NO_HISTORY and pd.isna(result["projected"])


def test_past_due_projects_the_current_value():
    result = run(current=90.0, slope=5.0, due_date=week_end(2))
    assert result["projected"] == 90.0 and result["verdict"] == pace.OFF_TRACK


def test_pace_on_rows_and_no_data():
    rows = pd.DataFrame({"metric_id": ["a", "b", "velocity_security"], "op": [">=", "<", ">="],
                         "target": [100.0, 10.0, 14.0], "due_week": [8, 8, None],
                         "direction": ["higher_better", "lower_better", "higher_better"], "unit": ["%", "ms", "points"]})
    trends = pd.DataFrame({"metric_id": ["a", "velocity_security"], "first_date": [date(2025, 1, 12)] * 2,
                           "last_date": [TODAY] * 2, "baseline": [0.0, 0.0], "current": [80.0, 3.0],
                           "n_days": [20, 20], "slope_all": [2.0, 0.1], "slope_recent": [1.0, 0.1], "n_recent": [14, 14]})
    out = pace.pace(rows, trends, TODAY)
    assert list(out["verdict"]) == [pace.ON_TRACK, pace.NO_HISTORY, pace.NO_HISTORY]   # daily velocity is not paced
    assert out.loc[0, "pace"] == "🟢 on track (→ 100%)"
    assert "not enough history" in pace.summary_sentence(out.iloc[1:], "targets")


def test_pace_uses_the_whole_history_when_the_last_two_weeks_hold_one_day():
    rows = pd.DataFrame({"metric_id": ["a"], "op": [">="], "target": [100.0], "due_week": [8],
                         "direction": ["higher_better"], "unit": ["%"]})
    trends = pd.DataFrame({"metric_id": ["a"], "first_date": [date(2025, 1, 12)], "last_date": [TODAY],
                           "baseline": [0.0], "current": [60.0], "n_days": [2], "slope_all": [2.0],
                           "slope_recent": [None], "n_recent": [1]})
    assert pace.pace(rows, trends, TODAY).loc[0, "projected"] == 100.0      # 60 + 21 × 2, clipped


def test_status_and_pace_agree_on_direction():
    assert status.evaluate(61.0, "<", 50.0, "lower_better") != status.MET
