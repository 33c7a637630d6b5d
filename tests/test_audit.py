"""The consistency audit on the plan's own data: what the document states vs what its rows give."""
import duckdb
import pandas as pd
import pytest

from transforms.fmt import md_escape

from tests.conftest import ROOT

from loaders import queries
from transforms import audit

PLAN = ROOT / "data" / "plan"
PLAN_TABLES = ["revenue_streams", "cost_avoidance", "security_controls", "compliance_requirements",
               "teams", "test_coverage", "stated_totals", "calendar", "alert_rules", "contradictions"]


@pytest.fixture(scope="module")
def plan(plan_db):
    con = duckdb.connect(str(plan_db), read_only=True)
    plan = {name: queries.plan_table(con, name) for name in PLAN_TABLES}
    plan["metrics"], plan["targets"] = queries.registry(con), queries.targets(con)
    latest = queries.latest_values(con)
    con.close()
    return plan, dict(zip(latest["metric_id"], latest["value"]))


@pytest.fixture(scope="module")
def rows(plan):
    return audit.consistency_audit(*plan).set_index("total_id")


@pytest.mark.parametrize("total_id, stated, computed", [
    ("health_score", 73, 55.35),                 # the headline score its categories do not support
    ("health_score_target", 95, 95.7),           # the week-12 category targets give 95.7, not 95
    ("security_score_total", 11, 9.5),           # Data Encryption: 30% of 15 is 4.5, not 6
    ("security_score_encryption", 6, 4.5),
    ("test_coverage_overall_unit", 15, 0),       # "Overall 15%" while every team row says 0%
])
def test_inconsistencies_the_plan_contains(rows, total_id, stated, computed):
    row = rows.loc[total_id]
    assert (row["stated"], row["computed"]) == (stated, pytest.approx(computed))
    assert not row["consistent"]


@pytest.mark.parametrize("total_id, value", [
    ("revenue_total_month_3", 2_100_000), ("revenue_total_month_6", 5_300_000),
    ("revenue_total_month_12", 7_600_000), ("revenue_total_annual", 13_900_000),
    ("cost_avoidance_total", 8_084_000), ("cost_savings_tcpa_violations", 5_994_000),
    ("cost_savings_gdpr_non_compliance", 1_500_000), ("cost_savings_security_breaches", 390_000),
    ("cost_savings_operational_inefficiency", 200_000), ("cost_exposure_total", 9_500_000),
    ("gdpr_compliance_score", 15), ("tcpa_compliance_score", 0), ("velocity_total_max", 70),
    ("velocity_total_target", 60)])
def test_totals_the_plan_gets_right(rows, total_id, value):
    assert rows.loc[total_id, "computed"] == pytest.approx(value)
    assert rows.loc[total_id, "consistent"]


def test_approximate_figures_are_judged_at_their_written_precision(rows):
    costs = pd.read_csv(PLAN / "cost_avoidance.csv")
    exposure = costs["annual_exposure"].sum()
    current = (costs["annual_exposure"] * costs["current_protection"]).sum() / exposure       # 13.16
    target = (costs["annual_exposure"] * costs["target_protection"]).sum() / exposure         # 98.25
    controls = pd.read_csv(PLAN / "security_controls.csv")
    observed = pd.read_csv(PLAN / "observations.csv").set_index("metric_id")["value"]
    implementation = controls["metric_id"].map(observed).mean()                               # 10
    for total_id, computed, agrees in [("cost_current_protection_total", current, False),     # "~15%"
                                       ("cost_target_protection_total", target, True),        # "~98%"
                                       ("security_implementation_pct", implementation, False)]:  # "~12%"
        row = rows.loc[total_id]
        assert row["computed"] == pytest.approx(computed) and row["tolerance"] == 0.5
        assert bool(row["consistent"]) is agrees, total_id


@pytest.mark.parametrize("written, stated, tolerance", [
    ("~15%", 15, 0.5), ("**~98%**", 98, 0.5), ("~98.3%", 98.3, 0.05), ("~$1.5M", 1.5e6, 50_000),
    ("~12K", 12_000, 500), ("15%", 15, 15e-6), ("$8.084M", 8_084_000, 8.084)])
def test_tolerance_is_half_a_unit_of_the_last_written_digit(written, stated, tolerance):
    assert audit.tolerance(written, stated) == pytest.approx(tolerance)


def _hours(text: str) -> float:
    return float(text[:-1]) * {"h": 1, "m": 1 / 60, "d": 24}[text[-1]]


def test_every_contradiction_with_both_figures_from_the_plans_rows(plan):
    got = audit.contradictions(*plan).set_index("contradiction_id")
    targets = pd.read_csv(PLAN / "targets.csv").set_index("target_id")["value"]
    stated = pd.read_csv(PLAN / "stated_totals.csv").set_index("total_id")["stated_value"]
    streams = pd.read_csv(PLAN / "revenue_streams.csv").set_index("stream_id")
    costs = pd.read_csv(PLAN / "cost_avoidance.csv").set_index("risk_id")
    observed = pd.read_csv(PLAN / "observations.csv").set_index("metric_id")["value"]
    metrics = pd.read_csv(PLAN / "metrics.csv").dropna(subset=["weight"]).set_index("metric_id")["weight"]
    health = (metrics * observed.reindex(metrics.index)).sum()                                   # 55.35
    controls = pd.read_csv(PLAN / "security_controls.csv")
    scorecard = (controls["metric_id"].map(observed) * controls["max_score"] / 100).sum()        # 9.5
    rules = pd.read_csv(PLAN / "alert_rules.csv").set_index("rule_id")["response_time"]
    tcpa = costs.loc["tcpa_violations"]
    want = {
        "pipeline_month_vs_annual_range": (targets[32] * 12, [stated["revenue_target_annual_low"],
                                                              stated["revenue_target_annual_high"]]),
        "risk_avoidance_vs_tcpa_savings": (streams.loc["risk_avoidance_tcpa_fines", "annual_target"],
                                           [tcpa["annual_exposure"] * (tcpa["target_protection"] - tcpa["current_protection"]) / 100]),
        "velocity_week3_vs_standing": (targets[27], [targets[120]]),
        "documentation_week3_vs_week12": (targets[29], [targets[142]]),
        "security_dashboard_vs_scorecard": (observed["security_score"], [stated["security_score_total"], scorecard]),
        "health_gain_per_week": (stated["health_gain_per_week_target"],
                                 [(95 - stated["health_score"]) / 12, (95 - health) / 12]),
        "warning_alert_response_times": (stated["warning_alert_response_hours"],
                                         [_hours(rules[r]) for r in ("performance_degradation", "test_coverage_decline",
                                                                     "build_failure_rate", "documentation_coverage_low")]),
    }
    assert set(got.index) == set(want)
    assert (want["pipeline_month_vs_annual_range"][0], want["risk_avoidance_vs_tcpa_savings"][1][0]) == \
        (24_000_000, pytest.approx(5_994_000))
    assert want["health_gain_per_week"][1] == [pytest.approx(22 / 12), pytest.approx(39.65 / 12)]
    assert want["warning_alert_response_times"][1] == [4, 4, 2, 8]
    for contradiction_id, (a, b) in want.items():
        row = got.loc[contradiction_id]
        assert row["a_value"] == pytest.approx(a) and row["b_values"] == pytest.approx(b), contradiction_id
        assert not row["consistent"], contradiction_id
        assert row["a_section"] and row["b_section"] and row["a_as_written"] and row["b_as_written"]


def test_a_contradiction_is_recomputed_when_the_plan_changes(plan):
    tables, latest = plan
    targets = tables["targets"].copy()
    targets.loc[targets["target_id"] == 27, "value"] = 60           # week 3 asks the standing 60
    got = audit.contradictions({**tables, "targets": targets}, latest).set_index("contradiction_id")
    assert got.loc["velocity_week3_vs_standing", "consistent"]
    assert not got.drop(index="velocity_week3_vs_standing")["consistent"].any()


def test_contradiction_table_shows_both_figures_and_exports_numbers(plan):
    table = audit.contradiction_table(audit.contradictions(*plan))
    shown = table.display().set_index("Contradiction")
    first = shown.iloc[0]
    assert first["Figure A"] == "$2M/month" and first["A from the data"] == "$24M (12 × $2M)"
    assert first["B from the data"] == "$6.8M – $12.7M" and first["Agree?"] == "🔴 contradict"
    exported = table.export().set_index("contradiction_id")
    assert exported.loc["warning_alert_response_times", "B values"] == "4 | 4 | 2 | 8"
    assert "Agree?" not in exported.columns and not exported["consistent"].any()


@pytest.mark.parametrize("week", [0, 4, 8, 12])
def test_overview_lists_the_audit_and_the_contradictions_at_any_week(sample_db_path, monkeypatch, week):
    from tests.apptest import run_page, tables
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("overview", week=week)
    assert not at.exception, [e.value for e in at.exception]
    frames = tables(at)
    checks = max((f for f in frames if "Check" in f.columns), key=len)          # all checks, not the worst 3
    flagged = set(checks.loc[checks["Check"] == "🔴 inconsistent", "Plan states"])
    assert {"~15%", "~12%"} <= flagged and "~98%" not in flagged and len(flagged) == 8
    contradictions = next(f for f in frames if "Figure A" in f.columns).set_index("Contradiction")
    assert len(contradictions) == 7 and (contradictions["Agree?"] == "🔴 contradict").all()
    assert contradictions["A stands in"].str.len().gt(0).all() and contradictions["B stands in"].str.len().gt(0).all()
    assert "half a unit of its last written digit" in " ".join(c.value for c in at.caption)
    body = "\n".join(m.value for m in at.markdown)
    assert body.count("- 🔴 contradict — **") == 7
    assert md_escape("$2M/month") in body and md_escape("$24M (12 × $2M)") in body     # '$' escaped: no LaTeX
