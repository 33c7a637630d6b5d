"""Unit tests of the pure transforms on the plan's own figures and on edge cases."""
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from transforms import calendar, fmt, health, status

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value, expected", [
    (13_900_000, "$13.9M"), (8_084_000, "$8.08M"), (5_994_000, "$5.99M"), (5_959_000, "$5.96M"), (390_000, "$390K"),
    (114_592, "$115K"), (999_600, "$1M"), (999_400, "$999K"), (1_500_000, "$1.5M"), (950, "$950"),
    (-2_000_000, "-$2M"), (None, "—"), (0, "$0")])
def test_money(value, expected):
    """Three significant digits, one format for every amount on screen (exact ones are for inputs)."""
    assert fmt.money(value) == expected


def test_value_by_unit():
    assert fmt.value(99.9, "%") == "99.9%"
    assert fmt.value(12.5, "ms") == "12.5 ms"
    assert fmt.value(100_000, "per_sec") == "100K/s"
    assert fmt.value(100, "done") == "done"
    assert fmt.value(40, "done") == "40% done"
    assert fmt.value(float("nan"), "%") == "no data"


@pytest.mark.parametrize("value, op, target, direction, expected", [
    (100, ">=", 100, "higher_better", status.MET),
    (30, ">=", 100, "higher_better", status.PARTIAL),      # GDPR encryption at rest: the plan says PARTIAL
    (11.6, ">=", 50, "higher_better", status.NOT_MET),     # API completion: the plan says 🔴
    (15, ">=", 80, "higher_better", status.NOT_MET),       # test coverage: the plan says 🔴
    (1.5, "<", 2, "lower_better", status.MET),
    (2, "<", 2, "lower_better", status.PARTIAL),           # strict: exactly the limit is not met
    (100, "<", 10, "lower_better", status.NOT_MET),
    (0, "=", 0, "lower_better", status.MET),
    (1, "=", 0, "lower_better", status.NOT_MET),           # "0 critical" has no partial credit
    (100, "done", None, "done", status.MET),
    (40, "done", None, "done", status.PARTIAL),
    (0, "done", None, "done", status.NOT_MET),
    (None, ">=", 100, "higher_better", status.NO_DATA),
    (float("nan"), "<", 5, "lower_better", status.NO_DATA),
])
def test_evaluate(value, op, target, direction, expected):
    assert status.evaluate(value, op, target, direction) == expected


def test_lower_better_going_up_is_worse():
    assert status.progress(20, "<", 10, "lower_better") < status.progress(12, "<", 10, "lower_better")


def _targets():
    return pd.DataFrame({"target_id": [1, 2, 3, 4], "metric_id": ["a", "a", "a", "b"],
                         "due_week": [4, 8, 12, None], "value": [80, 90, 95, 60]})


@pytest.mark.parametrize("week, expected", [(0, 80), (4, 80), (5, 90), (12, 95), (13, 95)])
def test_target_in_force_is_next_due_then_last(week, expected):
    chosen = status.target_in_force(_targets(), week).set_index("metric_id")["value"]
    assert chosen["a"] == expected
    assert chosen["b"] == 60                    # a standing target applies at every week


def test_plan_weeks_follow_the_calendar():
    assert calendar.plan_week(date(2025, 1, 12)) == 0       # the day the plan was written
    assert calendar.plan_week(date(2025, 1, 13)) == 1       # Monday: week 1 starts
    assert calendar.plan_week(date(2025, 1, 19)) == 1
    assert calendar.plan_week(date(2025, 1, 20)) == 2
    assert calendar.current_week(date(2026, 11, 27)) == 12  # a later year does not run past the plan
    assert calendar.current_week(None) == 0
    assert calendar.week_end(1) == date(2025, 1, 19)


def test_health_score_of_the_plans_categories():
    cats = pd.DataFrame({"metric_id": list("abcde"), "weight": [.25, .25, .2, .2, .1],
                         "value": [65, 40, 78, 25, 85]})
    total, rows = health.health_score(cats)
    assert total == pytest.approx(55.35)
    assert rows["contribution"].tolist() == pytest.approx([16.25, 10, 15.6, 5, 8.5])


def test_transforms_do_not_import_streamlit():
    import subprocess, sys
    code = ("import sys, pkgutil, importlib, transforms\n"
            "for m in pkgutil.iter_modules(transforms.__path__):\n"
            "    importlib.import_module('transforms.' + m.name)\n"
            "assert 'streamlit' not in sys.modules, 'a transform imported streamlit'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))


def _target_in_force_by_sorting(targets: pd.DataFrame, week: int) -> pd.DataFrame:
    """The rule written the plain pandas way: the oracle for status.target_in_force's numpy ranking."""
    due = targets["due_week"]
    upcoming = due.notna() & (due >= week)
    group = upcoming.map({True: 0, False: 2}).where(due.notna(), 1)
    order = due.where(upcoming, -due).fillna(0)
    ranked = targets.assign(_group=group, _order=order).sort_values(["_group", "_order", "target_id"])
    return (ranked.drop_duplicates("metric_id").drop(columns=["_group", "_order"])
            .sort_values("target_id").reset_index(drop=True))


@pytest.mark.parametrize("week", range(0, 14))
def test_target_in_force_picks_what_the_sorted_rule_picks_on_the_plans_targets(week):
    targets = pd.read_csv(ROOT / "data" / "plan" / "targets.csv").astype({"due_week": "Int32"})
    shuffled = targets.sample(frac=1, random_state=week)             # row order must not matter
    for frame in (targets, shuffled, shuffled[shuffled["section"] == "health_category"]):
        got, expected = status.target_in_force(frame, week), _target_in_force_by_sorting(frame, week)
        pd.testing.assert_frame_equal(got, expected)
