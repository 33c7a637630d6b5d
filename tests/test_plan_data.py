"""The shipped plan data (data/plan/*.csv) against the plan document's own figures.

The CSVs are a hand transcription of seed/dce-success-metrics-tracker.md; these
tests pin row counts, sums the document states, and referential integrity so a
later edit cannot silently drift from the document.
"""
from __future__ import annotations

import math
import zoneinfo
from pathlib import Path

import pandas as pd
import pytest

PLAN = Path(__file__).resolve().parent.parent / "data" / "plan"

UNITS = {"%", "index", "ms", "$", "count", "points", "score", "per_sec", "done", "$/month", "days", "h"}
DIRECTIONS = {"higher_better", "lower_better", "done"}
CATEGORIES = {"security", "compliance", "performance", "business_value", "operational", "team", "quality"}
OPS = {"<", "<=", ">", ">=", "=", "done"}
NUMERIC_OPS = OPS - {"done"}
TEAMS = {"Security", "Compliance", "Infrastructure", "Financial", "Integration", "All"}
SECTIONS = {
    "health_category", "phase1_week1", "phase1_week2", "phase1_week3", "phase2_business",
    "phase2_performance", "phase3_final", "sla", "current_performance", "load_testing",
    "security_control", "vulnerability", "tcpa", "gdpr", "team_velocity", "test_coverage",
    "code_quality", "market_position", "customer_acquisition",
    "checklist_w1", "checklist_w2", "checklist_w4", "checklist_w8", "checklist_w12",
    "revenue_stream", "revenue_stream_annual", "cost_avoidance",
}
# target_id ranges: the plan's own rows are 1..n in document order; rows added since sit in reserved
# ranges (business actuals 500–599, progress 600–699) so two changes appending at once cannot collide.
ADDED_TARGET_IDS = range(500, 700)

# every file and its exact columns (code elsewhere is written against these names)
COLUMNS = {
    "calendar": ["key", "value"],
    "metrics": ["metric_id", "label", "category", "unit", "direction", "team", "phase", "weight",
                "freshness_days", "description"],
    "targets": ["target_id", "metric_id", "section", "label", "due_week", "op", "value",
                "text_as_written", "team", "note"],
    "observations": ["metric_id", "as_of", "value"],
    "checklists": ["week", "item_id", "item", "description", "metric_id", "celebration"],
    "revenue_streams": ["stream_id", "stream", "current", "month_3", "month_6", "month_12", "annual_target"],
    "cost_avoidance": ["risk_id", "risk", "annual_exposure", "current_protection", "target_protection",
                       "stated_savings"],
    "customer_acquisition": ["metric_id", "label", "unit", "baseline", "month_3", "month_6", "month_12"],
    "market_position": ["metric_id", "label", "unit", "current", "target", "notes"],
    "security_controls": ["control", "metric_id", "max_score", "stated_score"],
    "vulnerabilities": ["vuln_category", "severity", "metric_id", "target_text"],
    "compliance_requirements": ["regime", "requirement", "metric_id", "risk_level", "status_as_written"],
    "compliance_risks": ["violation_type", "probability_label", "probability_pct", "impact_text",
                         "annual_risk", "status_as_written", "cost_risk_id", "violation_cost_low",
                         "violation_cost_high", "violations_metric_id"],
    "compliance_risk_coverage": ["violation_type", "metric_id", "why"],
    "teams": ["team", "capacity_points", "velocity_target", "engineers_needed", "coverage_target_pct",
              "lead_role"],
    "team_formation": ["team", "step", "metric_id", "as_written"],
    "test_coverage": ["team", "level", "metric_id"],
    "alert_rules": ["rule_id", "name", "metric_id", "op", "threshold", "for_duration", "severity",
                    "response_time", "escalation_chain", "threshold_as_written", "kind", "source"],
    "contacts": ["role", "group", "responsibility"],
    "stated_totals": ["total_id", "label", "stated_value", "unit", "text_as_written"],
    "contradictions": ["contradiction_id", "label", "a_section", "a_as_written", "a_source", "a_factor", "relation",
                       "b_section", "b_as_written", "b_source", "unit", "note"],
}

ROW_COUNTS = {
    "calendar": 5, "revenue_streams": 5, "cost_avoidance": 4, "customer_acquisition": 5,
    "market_position": 4, "security_controls": 6, "vulnerabilities": 20,
    "compliance_requirements": 11, "compliance_risks": 4, "compliance_risk_coverage": 16, "teams": 5, "team_formation": 20,
    "test_coverage": 18, "alert_rules": 11, "contacts": 11, "checklists": 25,
    "contradictions": 7,
}


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(PLAN / f"{name}.csv", encoding="utf-8")


@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    return load("metrics")


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load("targets")


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    return load("observations")


def approx(a, b, tol=1e-6) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


# --- shape ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns_exact(name):
    assert list(load(name).columns) == COLUMNS[name]


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_utf8_no_index_column(name):
    text = (PLAN / f"{name}.csv").read_text(encoding="utf-8")
    assert not text.startswith(",") and "Unnamed" not in text.splitlines()[0]


@pytest.mark.parametrize("name,count", sorted(ROW_COUNTS.items()))
def test_row_counts(name, count):
    assert len(load(name)) == count


def test_docs_present():
    assert (PLAN / "README.md").is_file()
    assert (PLAN / "TRANSCRIPTION_NOTES.md").is_file()


# --- calendar ---------------------------------------------------------------------

def test_calendar():
    cal = dict(load("calendar").astype(str).values)
    assert cal == {"written_on": "2025-01-12", "plan_start": "2025-01-13", "plan_weeks": "12",
                   "snapshot_week": "0", "reporting_timezone": "America/Los_Angeles"}
    assert zoneinfo.ZoneInfo(cal["reporting_timezone"])          # a real IANA zone: call days are cut in it
    assert pd.Timestamp(cal["plan_start"]).day_name() == "Monday"


# --- registry ---------------------------------------------------------------------

def test_metric_ids_unique_and_snake_case(metrics):
    assert metrics.metric_id.is_unique
    assert metrics.metric_id.str.fullmatch(r"[a-z][a-z0-9_]*").all()


def test_metric_vocabularies(metrics):
    assert set(metrics.unit) <= UNITS
    assert set(metrics.direction) <= DIRECTIONS
    assert set(metrics.category) <= CATEGORIES
    assert set(metrics.team.dropna()) <= TEAMS
    assert set(metrics.phase.dropna()) <= {1, 2, 3}
    assert metrics.freshness_days.notna().all() and (metrics.freshness_days > 0).all()
    assert metrics.label.notna().all()


def test_done_unit_iff_done_direction(metrics):
    assert ((metrics.unit == "done") == (metrics.direction == "done")).all()


def test_health_weights(metrics):
    weighted = metrics.dropna(subset=["weight"]).set_index("metric_id")
    assert weighted.weight.to_dict() == {
        "security_score": 0.25, "compliance_score": 0.25, "performance_score": 0.20,
        "business_value_score": 0.20, "operational_score": 0.10}
    assert approx(weighted.weight.sum(), 1.0)
    assert (weighted.unit == "score").all()
    assert (weighted.category + "_score" == weighted.index).all()


def test_overall_health_registered_without_weight(metrics, observations):
    row = metrics.set_index("metric_id").loc["overall_health_score"]
    assert row.unit == "score" and row.direction == "higher_better" and pd.isna(row.weight)
    assert "overall_health_score" not in set(observations.metric_id)


def test_required_metrics_present(metrics):
    ids = set(metrics.metric_id)
    required = {
        "api_latency_p50_ms", "api_latency_p95_ms", "api_latency_p99_ms", "cache_hit_rate_pct",
        "critical_vulnerabilities", "team_velocity_total", "revenue_pipeline_usd",
        "revenue_pipeline_at_risk_usd", "compliance_violations_per_day", "build_failure_rate_pct",
        "documentation_coverage_pct", "overall_health_score",
        # columns of the plan's own SQL schema (metrics_daily, compliance_metrics_daily)
        "test_coverage_overall_pct", "system_uptime_pct", "tcpa_violations_per_day",
        "gdpr_violations_per_day", "dnc_list_sync_status", "consent_coverage_pct",
        "audit_trail_completeness_pct",
    }
    assert required <= ids
    for team in ["security", "compliance", "infrastructure", "financial", "integration"]:
        assert {f"velocity_{team}", f"test_coverage_unit_{team}", f"build_success_rate_{team}",
                f"story_points_planned_{team}"} <= ids


# --- targets ----------------------------------------------------------------------

def test_target_ids_sequential(targets):
    assert targets.target_id.is_unique
    plan_rows = targets[targets.target_id < ADDED_TARGET_IDS.start]
    assert list(plan_rows.target_id) == list(range(1, len(plan_rows) + 1))
    assert targets[targets.target_id >= ADDED_TARGET_IDS.start].target_id.isin(ADDED_TARGET_IDS).all()


def test_target_vocabularies(targets, metrics):
    assert set(targets.metric_id) <= set(metrics.metric_id)
    assert set(targets.op) <= OPS
    assert set(targets.section) <= SECTIONS
    assert set(targets.team.dropna()) <= TEAMS
    assert targets.label.notna().all() and targets.text_as_written.notna().all()


def test_numeric_ops_have_value_done_ops_do_not(targets):
    numeric = targets[targets.op.isin(NUMERIC_OPS)]
    assert numeric.value.notna().all()
    assert targets[targets.op == "done"].value.isna().all()


def test_done_ops_only_on_done_metrics(targets, metrics):
    direction = metrics.set_index("metric_id").direction
    merged = targets.assign(direction=targets.metric_id.map(direction))
    assert (merged[merged.op == "done"].direction == "done").all()
    assert (merged[merged.direction == "done"].op == "done").all()


def test_section_row_counts(targets):
    counts = targets.section.value_counts().to_dict()
    assert counts["health_category"] == 15
    assert counts["phase1_week1"] == counts["phase1_week2"] == counts["phase1_week3"] == 5
    assert counts["phase2_business"] == counts["phase2_performance"] == 10
    assert counts["phase3_final"] == 5
    assert counts["sla"] == 14
    assert counts["current_performance"] == 6
    assert counts["load_testing"] == 5
    assert counts["security_control"] == 6
    assert counts["vulnerability"] == 17           # 20 cells minus 3 "Any"
    assert counts["tcpa"] == 5 and counts["gdpr"] == 6
    assert counts["team_velocity"] == 6
    assert counts["test_coverage"] == 18
    assert counts["code_quality"] == 5
    assert counts["market_position"] == 4
    assert counts["customer_acquisition"] == 15
    assert counts["revenue_stream"] == 15 and counts["revenue_stream_annual"] == 5 and counts["cost_avoidance"] == 4


def test_due_weeks(targets):
    by_section = targets.groupby("section").due_week
    assert set(targets[targets.section == "health_category"].due_week) == {4, 8, 12}
    assert set(targets[targets.section.str.startswith("phase2")].due_week) == {4, 8}
    for section in ["phase3_final", "sla", "current_performance", "load_testing", "security_control",
                    "tcpa", "gdpr", "code_quality"]:
        assert set(by_section.get_group(section)) == {12}, section
    assert by_section.get_group("team_velocity").isna().all()
    assert by_section.get_group("market_position").isna().all()
    assert set(by_section.get_group("customer_acquisition")) == {13, 26, 52}
    assert set(by_section.get_group("revenue_stream")) == {13, 26, 52}
    assert set(by_section.get_group("cost_avoidance")) == {12}
    vuln = targets[targets.section == "vulnerability"]
    assert set(vuln[vuln.metric_id.str.endswith("_critical")].due_week) == {2}
    for week in [1, 2, 3]:
        assert set(by_section.get_group(f"phase1_week{week}")) == {week}


def test_health_category_targets(targets):
    h = targets[targets.section == "health_category"].pivot(index="metric_id", columns="due_week", values="value")
    assert h.loc["security_score"].tolist() == [80, 90, 95]
    assert h.loc["compliance_score"].tolist() == [75, 85, 95]
    assert h.loc["performance_score"].tolist() == [85, 92, 98]
    assert h.loc["business_value_score"].tolist() == [60, 80, 95]
    assert h.loc["operational_score"].tolist() == [88, 92, 96]


def test_api_p99_is_one_metric_with_many_targets(targets):
    p99 = targets[targets.metric_id == "api_latency_p99_ms"]
    assert {"phase1_week2", "phase3_final", "sla", "current_performance"} <= set(p99.section)
    assert (p99.op == "<").all() and (p99.value == 50).all()


def test_target_interpretations(targets):
    t = targets.set_index(["section", "label"])
    assert tuple(t.loc[("phase1_week1", "JWT validation implemented"), ["op", "value"]]) == ("<", 2)
    assert tuple(t.loc[("phase1_week1", "Rate limiting deployed"), ["op", "value"]]) == (">=", 1000)
    assert tuple(t.loc[("phase1_week2", "Security vulnerabilities"), ["op", "value"]]) == ("=", 0)
    assert tuple(t.loc[("phase1_week2", "Compliance violation rate"), ["op", "value"]]) == ("<", 0.1)
    assert t.loc[("phase1_week3", "Event architecture design"), "op"] == "done"
    assert tuple(t.loc[("phase3_final", "Concurrent user capacity"), ["op", "value"]]) == (">=", 100000)
    assert tuple(t.loc[("load_testing", "Memory usage under load"), ["op", "value"]]) == ("<", 80)
    assert t.loc[("phase1_week1", "Authentication middleware applied"), "text_as_written"] == "100% APIs"


def test_team_velocity_targets(targets):
    v = targets[targets.section == "team_velocity"].set_index("metric_id").value
    assert v.drop("team_velocity_total").sum() == 60 == v["team_velocity_total"]


# --- observations -----------------------------------------------------------------

def test_observations(observations, metrics):
    assert set(observations.as_of) == {"2025-01-12"}
    assert observations.metric_id.is_unique
    assert set(observations.metric_id) <= set(metrics.metric_id)
    assert observations.value.notna().all()
    unit = observations.metric_id.map(metrics.set_index("metric_id").unit)
    pct = observations[unit.isin(["%", "done", "score"])].value
    assert pct.between(0, 100).all()


def test_observation_values(observations):
    o = observations.set_index("metric_id").value
    assert [o[m] for m in ["security_score", "compliance_score", "performance_score",
                           "business_value_score", "operational_score"]] == [65, 40, 78, 25, 85]
    assert o["api_completion_pct"] == 11.6
    assert o["test_coverage_overall_pct"] == 15 and o["documentation_coverage_pct"] == 10
    assert o["revenue_pipeline_usd"] == 0 and o["team_velocity_total"] == 0
    # "Unknown" / "N/A" mean no observation
    for unknown in ["api_latency_p99_ms", "critical_vulnerabilities", "jwt_validation_latency_ms",
                    "cache_hit_rate_pct", "system_uptime_pct", "financial_service_accuracy_pct",
                    "customer_nps", "vuln_sql_injection_critical"]:
        assert unknown not in o.index, unknown


def test_done_metrics_observed_as_completion(observations, metrics):
    done = set(metrics[metrics.direction == "done"].metric_id)
    o = observations[observations.metric_id.isin(done)]
    assert set(o.value) <= {0, 100}


# --- checklists -------------------------------------------------------------------

def test_checklists(targets, metrics):
    c = load("checklists")
    assert c.item_id.is_unique
    assert c.week.value_counts().sort_index().to_dict() == {1: 5, 2: 5, 4: 5, 8: 5, 12: 5}
    assert set(c.metric_id) <= set(metrics.metric_id)
    assert (c.groupby("week").celebration.nunique() == 1).all()
    for row in c.itertuples():
        rows = targets[(targets.section == f"checklist_w{row.week}") & (targets.label == row.item)]
        assert len(rows) >= 1, row.item
        assert row.metric_id in set(rows.metric_id)
        assert (rows.due_week == row.week).all()
    assert c.set_index("item").loc["System Health", "metric_id"] == "overall_health_score"


# --- business tables: the document's own sums -------------------------------------

def test_revenue_streams_sum_to_stated_totals():
    r = load("revenue_streams")
    assert r.stream_id.is_unique
    assert r.current.sum() == 0
    assert r.month_3.sum() == 2_100_000
    assert r.month_6.sum() == 5_300_000
    assert r.month_12.sum() == 7_600_000
    assert r.annual_target.sum() == 13_900_000


def test_cost_avoidance():
    c = load("cost_avoidance")
    assert c.risk_id.is_unique
    assert c.annual_exposure.sum() == 9_500_000
    assert approx(c.stated_savings.sum(), 8_084_000)
    computed = c.annual_exposure * (c.target_protection - c.current_protection) / 100
    assert all(approx(a, b) for a, b in zip(computed, c.stated_savings))
    assert c.current_protection.between(0, 100).all() and c.target_protection.between(0, 100).all()


def test_customer_and_market_tables(metrics, targets):
    ca = load("customer_acquisition")
    mp = load("market_position")
    for frame in (ca, mp):
        assert frame.metric_id.is_unique
        assert set(frame.metric_id) <= set(metrics.metric_id)
        assert set(frame.unit) <= UNITS
    assert ca.set_index("metric_id").month_12.to_dict()["avg_deal_size_usd"] == 100000
    assert ca.baseline.isna().sum() == 3


def test_security_controls(observations):
    s = load("security_controls")
    assert s.max_score.sum() == 100
    assert s.stated_score.sum() == 11
    impl = s.metric_id.map(observations.set_index("metric_id").value)
    assert impl.notna().all()
    # the recomputed score (sum of implementation x max) is 9.5: the plan's 11 is a known mismatch
    assert approx((impl * s.max_score / 100).sum(), 9.5)


def test_vulnerabilities(metrics, targets):
    v = load("vulnerabilities")
    assert v.metric_id.is_unique and set(v.metric_id) <= set(metrics.metric_id)
    assert set(v.severity) == {"critical", "high", "medium", "low"}
    assert v.vuln_category.nunique() == 5
    assert (v[v.severity == "critical"].target_text == "0").all()
    assert (v.target_text == "Any").sum() == 3
    with_target = set(targets[targets.section == "vulnerability"].metric_id)
    assert with_target == set(v[v.target_text != "Any"].metric_id)


def test_compliance_requirements(observations):
    c = load("compliance_requirements")
    assert c.regime.value_counts().to_dict() == {"GDPR": 6, "TCPA": 5}
    impl = c.metric_id.map(observations.set_index("metric_id").value)
    assert impl.notna().all()
    assert impl[c.regime == "TCPA"].mean() == 0          # "TCPA Compliance Score 0%"
    assert impl[c.regime == "GDPR"].mean() == 15         # "GDPR Compliance Score 15%"


def test_compliance_risks(metrics):
    r = load("compliance_risks")
    assert r.annual_risk.sum() == 9_500_000
    assert r.probability_pct.between(0, 100).all()
    # the plan's "$500-$1,500 per call" and "$100-$500 per call" as numbers, with the count they multiply
    costs = r.set_index("violation_type")[["violation_cost_low", "violation_cost_high", "violations_metric_id"]]
    assert list(costs.loc["TCPA violations"]) == [500, 1500, "tcpa_violations_per_day"]
    assert list(costs.loc["State law violations"]) == [100, 500, "state_law_violations_per_day"]
    assert set(r.cost_risk_id.dropna()) <= set(load("cost_avoidance").risk_id)
    assert set(r.violations_metric_id.dropna()) <= set(metrics.metric_id)


def test_compliance_risk_coverage():
    c = load("compliance_risk_coverage")
    assert set(c.violation_type) == set(load("compliance_risks").violation_type)
    assert set(c.metric_id) <= set(load("compliance_requirements").metric_id)
    by_risk = c.groupby("violation_type").metric_id.apply(set)
    reqs = load("compliance_requirements")
    assert by_risk["TCPA violations"] == set(reqs[reqs.regime == "TCPA"].metric_id)
    assert by_risk["GDPR violations"] == set(reqs[reqs.regime == "GDPR"].metric_id)
    assert by_risk["State law violations"] == {"tcpa_calling_hours_pct", "tcpa_dnc_checking_pct", "tcpa_prior_consent_pct"}
    assert by_risk["FTC violations"] == {"tcpa_prior_consent_pct", "tcpa_opt_out_pct"}
    assert c.why.notna().all()


def test_business_actuals_are_registry_metrics_with_the_plan_columns_as_targets(metrics, targets, observations):
    """Each revenue stream and each cost-avoidance risk's protection is a metric; its targets are the plan's
    columns, its week-0 observation the plan's Current column."""
    streams, costs = load("revenue_streams"), load("cost_avoidance")
    reg = metrics.set_index("metric_id")
    obs = observations.set_index("metric_id").value
    for s in streams.itertuples():
        mid = f"revenue_stream_{s.stream_id}"
        assert reg.loc[mid, "unit"] == "$" and obs[mid] == s.current
        rows = targets[targets.metric_id == mid].set_index("due_week")
        month = rows[rows.section == "revenue_stream"].value
        assert month.to_dict() == {13: s.month_3, 26: s.month_6, 52: s.month_12}   # round(m × 52/12)
        assert rows[rows.section == "revenue_stream_annual"].value.to_dict() == {52: s.annual_target}
    for c in costs.itertuples():
        mid = f"protection_{c.risk_id}"
        assert reg.loc[mid, "unit"] == "%" and obs[mid] == c.current_protection
        row = targets[targets.metric_id == mid].iloc[0]
        assert (row.section, row.op, row.value, row.due_week) == ("cost_avoidance", ">=", c.target_protection, 12)


def test_teams():
    t = load("teams")
    assert t.capacity_points.sum() == 70
    assert t.velocity_target.sum() == 60
    assert (t.engineers_needed == 2).all()
    assert t.set_index("team").coverage_target_pct.to_dict() == {
        "Security": 90, "Compliance": 90, "Infrastructure": 85, "Financial": 95, "Integration": 80}
    assert set(t.lead_role.dropna()) <= set(load("contacts").role)


def test_team_formation(metrics, observations):
    f = load("team_formation")
    assert f.metric_id.is_unique
    assert set(f.step) == {"lead_assigned", "engineers_assigned", "environment_setup", "first_sprint_started"}
    assert (f.groupby("team").size() == 4).all()
    direction = metrics.set_index("metric_id").direction
    assert (f.metric_id.map(direction) == "done").all()
    assert (f.metric_id.map(observations.set_index("metric_id").value) == 0).all()


def test_test_coverage(metrics, observations):
    c = load("test_coverage")
    assert c.metric_id.is_unique
    assert set(c.level) == {"unit", "integration", "e2e"}
    assert c.team.nunique() == 6
    o = observations.set_index("metric_id").value
    overall = c[c.team == "Overall"].set_index("level").metric_id.map(o)
    assert overall.to_dict() == {"unit": 15, "integration": 5, "e2e": 0}


def test_alert_rules(metrics):
    a = load("alert_rules")
    assert a.rule_id.is_unique
    assert set(a.kind) == {"threshold", "freshness"}
    thresholds, freshness = a[a.kind == "threshold"], a[a.kind == "freshness"]
    assert set(thresholds.metric_id) <= set(metrics.metric_id)
    assert thresholds.threshold.notna().all()
    # a freshness rule watches one KPI or every observed KPI ('*'), against its freshness_days
    assert set(freshness.metric_id) <= set(metrics.metric_id) | {"*"} and freshness.threshold.isna().all()
    assert set(a.op) <= NUMERIC_OPS
    assert set(a.severity) == {"critical", "warning"}
    assert thresholds.severity.value_counts().to_dict() == {"critical": 5, "warning": 5}
    dur = r"\d+[smhdw]"
    assert a.for_duration.str.fullmatch(dur).all() and a.response_time.str.fullmatch(dur).all()
    w = a.set_index("name").loc["Weekly velocity targets missed"]
    assert (w.metric_id, w.op, w.threshold, w.for_duration) == ("team_velocity_total", "<", 60, "7d")
    sec = a.set_index("name").loc["Security vulnerabilities"]
    assert (sec.metric_id, sec.op, sec.threshold) == ("critical_vulnerabilities", ">", 0)
    assert a.escalation_chain.notna().all()


def test_contacts():
    c = load("contacts")
    assert c.role.is_unique
    assert c.group.value_counts().to_dict() == {"executive": 6, "technical": 5}


def test_stated_totals():
    s = load("stated_totals")
    assert s.total_id.is_unique
    assert set(s.unit) <= UNITS
    v = s.set_index("total_id").stated_value
    assert v["health_score"] == 73 and v["security_score_total"] == 11
    assert v["cost_avoidance_total"] == 8_084_000 and v["cost_exposure_total"] == 9_500_000
    assert (v["revenue_total_month_3"], v["revenue_total_month_6"], v["revenue_total_month_12"],
            v["revenue_total_annual"]) == (2_100_000, 5_300_000, 7_600_000, 13_900_000)
    assert (v["revenue_target_annual_low"], v["revenue_target_annual_high"]) == (6_800_000, 12_700_000)
    assert v["roi_target_pct"] == 5460 and v["gdpr_compliance_score"] == 15
    assert v["velocity_total_max"] == 70 and v["velocity_total_target"] == 60
    per_control = s[s.total_id.str.startswith("security_score_") & (s.total_id != "security_score_total")]
    assert len(per_control) == 6 and per_control.stated_value.sum() == 11
    assert per_control.set_index("total_id").stated_value["security_score_encryption"] == 6


def test_every_metric_id_reference_resolves(metrics):
    ids = set(metrics.metric_id)
    for name, cols in COLUMNS.items():
        if "metric_id" in cols and name != "metrics":
            assert set(load(name).metric_id.dropna()) - {"*"} <= ids, name   # '*': every KPI (alert_rules)
