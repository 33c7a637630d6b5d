"""Pace and projection with "today" passed explicitly (no wall clock), and the page transforms' edge cases."""
from datetime import date

import numpy as np
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


# --- the flattening projection (pace.FLATTENING) ----------------------------------------------------

def test_a_straight_line_is_carried_forward_straight():
    days = np.arange(-20, 1)
    assert pace.flattening_change(days, 50 + 0.5 * days, 10) == pytest.approx(5.0)


@pytest.mark.parametrize("k, tolerance", [(pace.RATES[20], 1e-6),   # a rate of the grid: found exactly
                                          (0.08, 0.5)])             # between two: the nearer one, close
def test_a_curve_that_flattens_projects_its_level_not_the_line(k, tolerance):
    # 90 − 40·e^(−k·(t + 41)): the level it flattens at is 90
    days = np.arange(-41, 1)
    values = 90 - 40 * np.exp(-k * (days + 41))
    change = pace.flattening_change(days, values, 42)
    assert values[-1] + change == pytest.approx(90 - 40 * np.exp(-k * 83), abs=tolerance)
    slope = np.polyfit(days[-14:], values[-14:], 1)[0]
    assert values[-1] + slope * 42 > 92          # the straight line runs past the level it flattens at


def test_recent_days_weigh_more_than_old_ones():
    # flat for four weeks, then rising 1 a day for two: the projection leans to the recent pace
    days = np.arange(-41, 1)
    values = np.where(days > -14, days + 14, 0.0)
    whole_window = np.polyfit(days, values, 1)[0] * 14
    weights = 0.5 ** (-days / pace.HALF_LIFE_DAYS)
    weighted = np.polyfit(days, values, 1, w=np.sqrt(weights))[0] * 14
    assert pace.flattening_change(days, values, 14) == pytest.approx(weighted) and weighted > 1.4 * whole_window


def test_fewer_than_four_days_fit_only_a_line():
    days, values = np.array([-2, -1, 0]), np.array([10.0, 12.0, 13.0])
    slope = np.polyfit(days, values, 1, w=np.sqrt(0.5 ** (-days / pace.HALF_LIFE_DAYS)))[0]
    assert pace.flattening_change(days, values, 4) == pytest.approx(slope * 4)


def test_projections_never_pass_the_physical_bound():
    fit = (np.arange(-13, 1), 60 + 3.0 * np.arange(14))                  # 3 points a day towards 100%
    result = run(current=99.0, fit=pace.fit_flattening(*fit))
    assert result["projected"] == 100.0
    fall = (np.arange(-13, 1), 5 - 0.4 * np.arange(14))                  # a latency falling 0.4 ms a day
    assert run(current=0.2, fit=pace.fit_flattening(*fall), op="<", target=1.0, direction="lower_better",
               unit="ms")["projected"] == 0.0
    counts = (np.arange(-13, 1), 9 - 0.3 * np.arange(14))
    assert run(current=5.0, fit=pace.fit_flattening(*counts), op="=", target=0.0, direction="lower_better", unit="count",
               due_date=TODAY + pd.Timedelta(days=3))["projected"] == 4.0   # 5 − 0.9 → a whole count
