"""The alert evaluator and recording rules on hand-built histories (Prometheus semantics)."""
from __future__ import annotations

import pandas as pd
import pytest

from transforms import alerts, recording

REGISTRY = pd.DataFrame({
    "metric_id": ["team_velocity_total", "api_latency_p99_ms", "velocity_a", "velocity_b",
                  "security_score", "compliance_score", "revenue_pipeline_usd"],
    "label": ["Team velocity", "API p99", "Team A velocity", "Team B velocity", "Security", "Compliance",
              "Pipeline"],
    "unit": ["points", "ms", "points", "points", "score", "score", "$"],
    "freshness_days": [7, 1, 7, 7, 1, 1, 7],
    "weight": [None, None, None, None, 0.5, 0.5, None],
    "team": ["All", "Integration", "A", "A", None, None, None],
})
VELOCITY_RULE = {"rule_id": "weekly_targets_missed", "name": "WeeklyTargetsMissed", "metric_id": "team_velocity_total",
                 "op": "<", "threshold": 60, "for_duration": "7d", "severity": "warning", "response_time": "4h",
                 "escalation_chain": "Tech Lead > VP Engineering", "threshold_as_written": "< 60", "kind": "threshold"}
LATENCY_RULE = {"rule_id": "performance_degradation", "name": "Performance degradation",
                "metric_id": "api_latency_p99_ms", "op": ">", "threshold": 100, "for_duration": "0s",
                "severity": "warning", "response_time": "4h", "escalation_chain": "Team Lead",
                "threshold_as_written": "> 100ms", "kind": "threshold"}
STALE_RULE = {"rule_id": "kpi_stale", "name": "KPI stale", "metric_id": "*", "op": ">", "threshold": None,
              "for_duration": "0s", "severity": "warning", "response_time": "1d", "escalation_chain": "Tech Lead",
              "threshold_as_written": "stale", "kind": "freshness"}


def history(metric_id: str, values: list, start: str = "2025-02-03") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(values), freq="D")
    rows = [(metric_id, d, v) for d, v in zip(days, values) if v is not None]
    return pd.DataFrame(rows, columns=["metric_id", "as_of", "value"])


def run(rule: dict, hist: pd.DataFrame, at=None) -> alerts.Evaluation:
    return alerts.evaluate(pd.DataFrame([rule]), hist, REGISTRY, at)


def test_durations_parse_and_read_as_people_say_them():
    assert alerts.parse_duration("7d") == pd.Timedelta(days=7)
    assert alerts.human_duration(alerts.parse_duration("15m")) == "15 minutes"
    assert alerts.human_duration(alerts.parse_duration("1d")) == "1 day"
    assert alerts.human_duration(alerts.parse_duration("0s")) == "immediately"
    with pytest.raises(ValueError):
        alerts.parse_duration("7 days")


def test_a_breach_shorter_than_for_never_fires():
    ev = run(VELOCITY_RULE, history("team_velocity_total", [65, 58, 58, 58, 58, 58, 58, 66, 70]))
    [episode] = ev.episodes.to_dict("records")
    assert episode["held_days"] == 6 and episode["state"] == alerts.CLEARED_PENDING
    assert pd.isna(episode["firing_since"]) and episode["end"] == pd.Timestamp("2025-02-10")
    current = ev.current.iloc[0]
    assert current["state"] == alerts.OK
    assert "held 6 of the 7 required day(s) and never fired" in current["explanation"]


def test_a_breach_exactly_for_long_fires_on_its_last_day_then_resolves():
    ev = run(VELOCITY_RULE, history("team_velocity_total", [65] + [58] * 7 + [61]))
    [episode] = ev.episodes.to_dict("records")
    assert episode["held_days"] == 7 and episode["state"] == alerts.RESOLVED
    assert episode["start"] == pd.Timestamp("2025-02-04")
    assert episode["firing_since"] == pd.Timestamp("2025-02-10")
    assert episode["end"] == pd.Timestamp("2025-02-11") and episode["end_reason"] == "cleared"
    assert episode["peak"] == 58


def test_pending_then_firing_at_evaluation_time_with_the_reason():
    hist = history("team_velocity_total", [65, 59, 58, 57, 58, 58, 58, 58, 58])
    pending = run(VELOCITY_RULE, hist, at="2025-02-06").current.iloc[0]
    assert pending["state"] == alerts.PENDING and pending["held_days"] == 3
    assert "57 pts < 60 pts for 3 of the required 7 days" in pending["explanation"]
    assert "fires on 10 Feb 2025" in pending["explanation"]
    firing = run(VELOCITY_RULE, hist).current.iloc[0]
    assert firing["state"] == alerts.FIRING and firing["since"] == pd.Timestamp("2025-02-10")
    ep = run(VELOCITY_RULE, hist).episodes.iloc[0]
    assert ep["peak"] == 57 and pd.isna(ep["end"]) and ep["held_days"] == 8


def test_flapping_gives_one_episode_per_breach_and_resets_the_pending_timer():
    values = [58, 58, 58, 58, 61, 58, 58, 58, 58, 58, 61, 58, 58]
    ev = run(VELOCITY_RULE, history("team_velocity_total", values))
    assert list(ev.episodes["held_days"]) == [4, 5, 2]
    assert list(ev.episodes["state"]) == [alerts.CLEARED_PENDING, alerts.CLEARED_PENDING, alerts.PENDING]
    assert ev.episodes["firing_since"].isna().all()      # 13 days below 60 in all, never 7 in a row


def test_zero_for_fires_the_first_day_and_each_breach_is_one_episode():
    ev = run(LATENCY_RULE, history("api_latency_p99_ms", [80, 120, 130, 90, 90, 150, 90]))
    eps = ev.episodes
    assert len(eps) == 2 and list(eps["state"]) == [alerts.RESOLVED, alerts.RESOLVED]
    assert list(eps["firing_since"]) == list(eps["start"])
    assert list(eps["peak"]) == [130, 150]


def test_a_stale_input_resolves_the_alert_and_the_freshness_rule_fires():
    # latency 150 ms on 3 Feb, then nothing until 8 Feb: fresh for 1 day, stale from 5 Feb
    hist = pd.concat([history("api_latency_p99_ms", [150]), history("api_latency_p99_ms", [90], "2025-02-08")])
    ev = run(LATENCY_RULE, hist, at="2025-02-06")
    ep = ev.episodes.iloc[0]
    assert ep["end"] == pd.Timestamp("2025-02-05") and ep["end_reason"] == "stale"
    assert ev.current.iloc[0]["state"] == alerts.NO_DATA
    assert "stale: last observed 03 Feb 2025" in ev.current.iloc[0]["explanation"]

    stale = alerts.evaluate(pd.DataFrame([STALE_RULE]), hist, REGISTRY, "2025-02-06")
    [episode] = stale.episodes.to_dict("records")
    assert (episode["metric_id"], episode["start"], episode["state"]) == (
        "api_latency_p99_ms", pd.Timestamp("2025-02-05"), alerts.FIRING)
    assert episode["last_value"] == 3                    # three days since the last observation
    later = alerts.evaluate(pd.DataFrame([STALE_RULE]), hist, REGISTRY)
    assert later.episodes.iloc[0]["end"] == pd.Timestamp("2025-02-08")
    assert later.current.iloc[0]["state"] == alerts.OK


def test_no_observation_means_no_data_not_ok():
    ev = run(LATENCY_RULE, history("team_velocity_total", [50]))
    assert ev.current.iloc[0]["state"] == alerts.NO_DATA and ev.episodes.empty


def test_velocity_recording_rules_follow_the_daily_points_convention():
    a = history("velocity_a", [5] * 14, "2025-01-13")
    b = history("velocity_b", [3] * 14, "2025-01-13")
    hist = pd.concat([a, b])
    weeks = recording.velocity_by_week(hist, REGISTRY)
    total = weeks[weeks["metric_id"] == "team_velocity_total"]
    assert list(total["week"]) == [1, 2] and list(total["points"]) == [56, 56] and list(total["days"]) == [7, 7]
    trailing = recording.velocity_trailing(hist, REGISTRY)
    assert trailing["as_of"].min() == pd.Timestamp("2025-01-19")   # first complete 7-day window
    assert set(trailing["value"]) == {56}
    # the recorded total feeds WeeklyTargetsMissed: 56 < 60 from 19 Jan, seven days later it fires
    ev = alerts.evaluate(pd.DataFrame([VELOCITY_RULE]), hist, REGISTRY)
    ep = ev.episodes.iloc[0]
    assert ep["start"] == pd.Timestamp("2025-01-19") and ep["firing_since"] == pd.Timestamp("2025-01-25")


def test_a_loaded_total_wins_over_the_recorded_one():
    hist = pd.concat([history("velocity_a", [5] * 8, "2025-01-13"),
                      history("team_velocity_total", [70], "2025-01-20")])
    merged = recording.with_recorded(hist, REGISTRY)
    rows = merged[merged["metric_id"] == "team_velocity_total"].set_index("as_of")["value"]
    assert rows[pd.Timestamp("2025-01-19")] == 35 and rows[pd.Timestamp("2025-01-20")] == 70


def test_health_and_pipeline_recording_rules():
    hist = pd.concat([history("security_score", [60, 70, None, 80]), history("compliance_score", [40, None, 50]),
                      history("revenue_pipeline_usd", [100, None, None, None, None, None, None, 400, 500])])
    health = recording.health_score_daily(hist, REGISTRY).set_index("as_of")["health_score"]
    assert list(health) == [50, 55, 60, 65]             # categories carried forward
    growth = recording.pipeline_growth(hist)
    assert list(growth["growth"]) == [300, 400]


def test_escalation_names_each_role_with_its_responsibility():
    contacts = pd.DataFrame({"role": ["CEO", "CFO", "Legal Counsel", "Tech Lead"],
                             "group": ["executive", "executive", "executive", "technical"],
                             "responsibility": ["Business", "Money", "Law", "Coordination"]})
    text = alerts.chain_text(("Legal", "All executives"), contacts)
    assert text == "Legal Counsel (Law) → CEO (Business) + CFO (Money) + Legal Counsel (Law)"
    assert "lead of the team concerned" in alerts.chain_text(("Team Lead",), contacts)
    assert alerts.chain_text(("Team Lead",), contacts.assign(role=["CEO", "CFO", "Legal Counsel", "QA Lead"]),
                             "QA Lead") == "QA Lead (Coordination)"
