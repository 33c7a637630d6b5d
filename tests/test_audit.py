"""The consistency audit on the plan's own data: what the document states vs what its rows give."""
import duckdb
import pytest

from loaders import queries
from transforms import audit

PLAN_TABLES = ["revenue_streams", "cost_avoidance", "security_controls", "compliance_requirements",
               "teams", "test_coverage", "stated_totals"]


@pytest.fixture(scope="module")
def rows(plan_db):
    con = duckdb.connect(str(plan_db), read_only=True)
    plan = {name: queries.plan_table(con, name) for name in PLAN_TABLES}
    plan["metrics"], plan["targets"] = queries.registry(con), queries.targets(con)
    latest = queries.latest_values(con)
    con.close()
    return audit.consistency_audit(plan, dict(zip(latest["metric_id"], latest["value"]))).set_index("total_id")


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


def test_approximate_figures_agree_within_tolerance(rows):
    current = rows.loc["cost_current_protection_total"]
    assert current["computed"] == pytest.approx(13.158, abs=1e-3) and current["consistent"]   # "~15%"
