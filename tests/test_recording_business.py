"""Recording rules the reports and alerts need from the plan's own upload tables: the build failure rate
and sprint completion, through the real loader into a real DuckDB file."""
from __future__ import annotations

import duckdb
import pandas as pd

from loaders import load, queries
from tests.conftest import write
from transforms import alerts, recording

TEAMS = ("Security", "Compliance", "Infrastructure", "Financial", "Integration")


def _team_file(tmp_path, days: int, success: list[float], planned: int = 3, completed: int = 2):
    rows = ["date,team_name,story_points_completed,story_points_planned,build_success_rate"]
    for d in pd.date_range("2025-01-13", periods=days):
        for team, rate in zip(TEAMS, success):
            rows.append(f"{d:%Y-%m-%d},{team},{completed},{planned},{rate}")
    return write(tmp_path / "team_metrics_daily.csv", "\n".join(rows) + "\n")


def _history(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return queries.rule_history(con), queries.registry(con), queries.plan_table(con, "alert_rules")


def test_the_build_failure_alert_fires_from_team_metrics_daily(db, tmp_path):
    # teams at 80, 85, 90, 95, 100% build success: mean 90, failure rate 10 (not > 10); then 84 → 16
    load.load_file(_team_file(tmp_path, 3, [80, 85, 90, 95, 100]), "team_metrics_daily", db=db)
    history, registry, rules = _history(db)
    assert "build_failure_rate_pct" not in set(history["metric_id"])          # nothing loaded under that id
    rate = recording.build_failure_daily(history, registry).set_index("as_of")["value"]
    assert list(rate.round(6)) == [10.0, 10.0, 10.0]
    ev = alerts.evaluate(rules[rules["rule_id"] == "build_failure_rate"], history, registry)
    assert ev.current.iloc[0]["state"] == alerts.OK

    load.load_file(_team_file(tmp_path, 5, [70, 80, 84, 88, 98]), "team_metrics_daily", db=db)
    history, registry, rules = _history(db)
    ev = alerts.evaluate(rules[rules["rule_id"] == "build_failure_rate"], history, registry)
    assert ev.current.iloc[0]["state"] == alerts.FIRING
    assert ev.current.iloc[0]["value"] == 100 - (70 + 80 + 84 + 88 + 98) / 5


def test_a_loaded_failure_rate_wins_over_the_derived_one(db, tmp_path):
    load.load_file(_team_file(tmp_path, 2, [70] * 5), "team_metrics_daily", db=db)
    load.load_file(write(tmp_path / "obs.csv", "metric_id,as_of,value\nbuild_failure_rate_pct,2025-01-14,4\n"),
                   "observations", db=db)
    history, registry, _ = _history(db)
    merged = recording.with_recorded(history, registry)
    rows = merged[merged["metric_id"] == "build_failure_rate_pct"].set_index("as_of")["value"]
    assert rows[pd.Timestamp("2025-01-13")] == 30 and rows[pd.Timestamp("2025-01-14")] == 4


def test_sprint_completion_counts_only_days_with_both_figures(db, tmp_path):
    load.load_file(_team_file(tmp_path, 7, [90] * 5, planned=4, completed=3), "team_metrics_daily", db=db)
    history, registry, _ = _history(db)
    planned = history[history["metric_id"].str.startswith("story_points_planned_")]
    assert len(planned) == 35 and set(planned["value"]) == {4}                # unpivoted per team and day
    extra = pd.DataFrame({"metric_id": "velocity_security", "as_of": pd.Timestamp("2025-01-20"), "value": [9.0]})
    weeks = recording.sprint_completion(pd.concat([history, extra]), registry).set_index("week")
    assert weeks.loc[1, "completed"] == 3 * 35 and weeks.loc[1, "planned"] == 4 * 35
    assert weeks.loc[1, "pct"] == 75
    assert 2 not in weeks.index                      # completed points without a plan that day: no figure
