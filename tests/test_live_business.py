"""Issue 11, business side: revenue, protection, cost avoidance, ROI, the risk matrix and the weekly reports
follow the as-of week. Every expected figure is worked out here from the sample's own rows
(loaders.sample.generate) and the plan's CSVs, not by calling the function under test."""
from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from loaders import bundle, sample
from tests.conftest import ROOT, report_inputs
from transforms import business, fmt, kpis, overview, report, security
from transforms.model import PlanData

PLAN = ROOT / "data" / "plan"
START = date(2025, 1, 13)
WEEKS = (0, 4, 8, 12)
INVESTMENT = 13 * 4000 * 12                # 10 engineers + 3 leads × $4,000 a person-week × 12 weeks

# The plan's wide tables, written out here (not read from loaders/schema.py): column → metric.
METRICS_DAILY = {"overall_health_score": "overall_health_score", "security_score": "security_score",
                 "compliance_score": "compliance_score", "performance_score": "performance_score",
                 "business_value_score": "business_value_score", "team_velocity_total": "team_velocity_total",
                 "revenue_pipeline_amount": "revenue_pipeline_usd", "critical_vulnerabilities": "critical_vulnerabilities",
                 "compliance_violations": "compliance_violations_per_day", "api_latency_p99": "api_latency_p99_ms",
                 "test_coverage_percentage": "test_coverage_overall_pct", "uptime_percentage": "system_uptime_pct"}
COMPLIANCE_DAILY = {"tcpa_violations": "tcpa_violations_per_day", "gdpr_violations": "gdpr_violations_per_day",
                    "dnc_list_sync_status": "dnc_list_sync_status", "consent_coverage_percentage": "consent_coverage_pct",
                    "audit_trail_completeness": "audit_trail_completeness_pct"}
TEAM_DAILY = {"story_points_completed": "velocity", "story_points_planned": "story_points_planned",
              "test_coverage": "test_coverage_unit", "build_success_rate": "build_success_rate"}


def week_end(week: int) -> pd.Timestamp:
    return pd.Timestamp(START + timedelta(days=7 * week - 1))


def csv(name: str) -> pd.DataFrame:
    return pd.read_csv(PLAN / f"{name}.csv")


class Truth:
    """Every observation the plan and the sample hold, long, and what they say as of a week."""

    def __init__(self):
        frames = sample.generate()
        parts = [csv("observations").assign(as_of=lambda f: pd.to_datetime(f["as_of"])), frames["observations"]]
        for table, columns in (("metrics_daily", METRICS_DAILY), ("compliance_metrics_daily", COMPLIANCE_DAILY)):
            wide = frames[table]
            for col, metric in columns.items():
                scale = 100 if col in ("uptime_percentage", "dnc_list_sync_status") else 1
                parts.append(pd.DataFrame({"metric_id": metric, "as_of": wide["date"],
                                           "value": wide[col].astype(float) * scale}))
        team = frames["team_metrics_daily"]
        for col, prefix in TEAM_DAILY.items():
            parts.append(pd.DataFrame({"metric_id": prefix + "_" + team["team_name"].str.lower(),
                                       "as_of": team["date"], "value": team[col].astype(float)}))
        self.rows = pd.concat(parts, ignore_index=True).assign(as_of=lambda f: pd.to_datetime(f["as_of"]))
        self.team = team

    def at(self, week: int) -> dict[str, float]:
        rows = self.rows[self.rows["as_of"] <= week_end(week)].sort_values("as_of")
        return rows.groupby("metric_id")["value"].last().to_dict()

    def day(self, metric_id: str, day: pd.Timestamp):
        rows = self.rows[(self.rows["metric_id"] == metric_id) & (self.rows["as_of"] == day)]
        return None if rows.empty else float(rows["value"].iloc[-1])

    def week_sum(self, metric_id: str, week: int) -> float:
        rows = self.rows[(self.rows["metric_id"] == metric_id) & (self.rows["as_of"] > week_end(week - 1))
                         & (self.rows["as_of"] <= week_end(week))]
        return float(rows["value"].sum())


@pytest.fixture(scope="module")
def truth() -> Truth:
    return Truth()


@pytest.fixture(scope="module")
def plan_data(sample_db_path):
    """PlanData as of a week, read from the sample database the way ui.data reads it."""
    with duckdb.connect(str(sample_db_path), read_only=True) as con:
        base = bundle.read_base(con)
        weeks = {w: bundle.plan_data(con, w, base) for w in (*WEEKS, 1)}
    return weeks.__getitem__


def expected_status(value, target) -> str:
    """The plan's rule for a '>=' target, written out: met, partial from a quarter of the way, not met."""
    if value is None or pd.isna(value):
        return "no_data"
    return "met" if value >= target else ("partial" if value / target >= 0.25 else "not_met")


# --- 1. business actuals ---------------------------------------------------------------------------

@pytest.mark.parametrize("week", WEEKS)
def test_revenue_streams_and_pipeline_follow_the_week(truth, plan_data, week):
    data, now = plan_data(week), truth.at(week)
    streams = csv("revenue_streams")
    rows = business.stream_rows(data).set_index("metric_id")
    run_rate = 0.0
    for s in streams.itertuples():
        value = now[f"revenue_stream_{s.stream_id}"]
        row = rows.loc[f"revenue_stream_{s.stream_id}"]
        assert row["value"] == pytest.approx(value)
        assert row["target"] == s.month_3 and row["due_week"] == 13        # month 3 = round(3 × 52 / 12)
        assert row["status"] == expected_status(value, s.month_3)
        assert (row["month_6"], row["month_12"], row["annual_target"]) == (s.month_6, s.month_12, s.annual_target)
        run_rate += value
    assert business.revenue_total(business.stream_rows(data))["value"] == pytest.approx(run_rate)
    pipeline = overview.pipeline(data)[0]
    assert pipeline == pytest.approx(now["revenue_pipeline_usd"]) and pipeline == kpis.pipeline(data).value
    assert fmt.money(pipeline) == kpis.pipeline(data).shown                  # the overview tile shows the same
    assert business.pipeline_rows(data).set_index("metric_id").loc["revenue_pipeline_usd", "value"] == pipeline
    if week == 12:
        assert fmt.money(pipeline) == "$5.96M" and fmt.money(run_rate) == "$2.2M"


@pytest.mark.parametrize("week", WEEKS)
def test_cost_avoidance_achieved_and_roi_follow_the_week(truth, plan_data, week):
    data, now = plan_data(week), truth.at(week)
    costs = csv("cost_avoidance")
    achieved = sum(r.annual_exposure * (now[f"protection_{r.risk_id}"] - r.current_protection) / 100
                   for r in costs.itertuples())
    ca = business.cost_avoidance_achieved(data)
    assert ca.achieved == pytest.approx(achieved) and ca.at_target == pytest.approx(8_084_000)
    rows = business.protection_rows(data).set_index("risk_id")
    for r in costs.itertuples():
        assert rows.loc[r.risk_id, "status"] == expected_status(now[f"protection_{r.risk_id}"], r.target_protection)
    revenue = sum(now[f"revenue_stream_{s}"] for s in csv("revenue_streams")["stream_id"])
    roi = business.roi(data)
    assert roi.pct == pytest.approx((revenue + achieved - INVESTMENT) / INVESTMENT * 100)
    assert "13 people × $4K a person-week × 12 weeks = $624K" in roi.sentence()
    if week == 0:
        assert achieved == 0 and roi.pct == pytest.approx(-100)
    else:
        assert achieved > 0


@pytest.mark.parametrize("week", WEEKS)
def test_customer_acquisition_and_market_position_show_value_status_and_pace(truth, plan_data, week):
    data, now = plan_data(week), truth.at(week)
    for section, table, target_col in (("customer_acquisition", "customer_acquisition", "month_3"),
                                       ("market_position", "market_position", "target")):
        rows = business.kpi_rows(data, section).set_index("metric_id")
        for r in csv(table).itertuples():
            value = now.get(r.metric_id)
            assert rows.loc[r.metric_id, "value"] == pytest.approx(value, nan_ok=True) if value is not None \
                else pd.isna(rows.loc[r.metric_id, "value"])
            assert rows.loc[r.metric_id, "target"] == getattr(r, target_col)
    customers = business.kpi_rows(data, "customer_acquisition").set_index("metric_id")
    deal = now.get("avg_deal_size_usd")
    assert customers.loc["avg_deal_size_usd", "status"] == expected_status(deal, 50_000)


# --- 2. the compliance risk matrix ---------------------------------------------------------------

@pytest.mark.parametrize("week", WEEKS)
def test_risk_matrix_protection_and_expected_loss_follow_the_requirements(truth, plan_data, week):
    data, now = plan_data(week), truth.at(week)
    coverage, risks = csv("compliance_risk_coverage"), csv("compliance_risks")
    matrix = security.risk_matrix(data).set_index("violation_type")
    for r in risks.itertuples():
        reqs = coverage.loc[coverage["violation_type"] == r.violation_type, "metric_id"]
        protection = sum(now[m] for m in reqs) / len(reqs)
        row = matrix.loc[r.violation_type]
        assert row["protection"] == pytest.approx(protection)
        assert row["expected_loss"] == pytest.approx(r.annual_risk * (1 - protection / 100))
        assert row["status"] == expected_status(protection, 100)
    if week == 0:             # the plan's own rows: nothing implemented for TCPA, state law and FTC
        assert list(matrix["protection"]) == [0, 15, 0, 0]
        assert matrix["expected_loss"].sum() == pytest.approx(9_200_000)
    if week == 12:            # the issue saw 🔴 UNPROTECTED and $6.9M with TCPA requirements 96% done
        assert matrix.loc["TCPA violations", "protection"] == pytest.approx(96)
        assert matrix.loc["TCPA violations", "status"] == "partial"
        assert matrix["expected_loss"].sum() < 1_000_000
    shown = security.risk_table(security.risk_matrix(data)).display()
    differs = shown["Status (computed)"].str.upper().str.split(" ", n=1).str[1] != \
        risks["status_as_written"].str.split(" ", n=1).str[1]
    assert (shown.loc[differs, "Plan's status (week 0)"] == risks.loc[differs, "status_as_written"]).all()
    assert (shown.loc[~differs, "Plan's status (week 0)"] == "").all()


# --- 5. the weekly reports -----------------------------------------------------------------------

def _met(value, op, target) -> bool:
    if value is None:
        return False
    if op == "done":
        return value >= 100
    return {"<": value < target, "<=": value <= target, ">": value > target, ">=": value >= target,
            "=": value == target}[op]


@pytest.fixture(scope="module")
def reports(sample_db_path):
    import os
    old = os.environ.get("DCE_DB")
    os.environ["DCE_DB"] = str(sample_db_path)
    try:
        built = {}
        for week in (*WEEKS, 1):
            inputs = report_inputs(week)
            built[week] = {k: report.to_markdown(report.build(k, inputs)) for k in report.KINDS}
        return built
    finally:
        if old is None:
            os.environ.pop("DCE_DB")
        else:
            os.environ["DCE_DB"] = old


def section(text: str, heading: str) -> str:
    part = text.split(heading, 1)[1]
    return re.split(r"\n## ", part, maxsplit=1)[0]


@pytest.mark.parametrize("week", WEEKS)
def test_reports_list_the_targets_due_in_their_week(truth, reports, week):
    now = truth.at(week)
    targets = csv("targets")
    due = targets[targets["due_week"] == week].drop_duplicates(["metric_id", "op", "value"])
    met = sum(_met(now.get(r.metric_id), r.op, r.value) for r in due.itertuples())
    for kind in report.KINDS:
        text = reports[week][kind]
        if due.empty:
            assert f"No target falls due in week {week}." in text
        else:
            assert f"**Missed ({len(due) - met})**" in text and f"**Met ({met})**" in text
    if week == 4:
        assert len(due) - met == 6                                  # the six the issue counted
        assert "**Targets Missed**: 6 of 18 targets due in week 4 missed" in reports[4]["executive"]


@pytest.mark.parametrize("week", (*WEEKS, 1))
def test_one_critical_vulnerability_count_in_both_reports(truth, reports, week):
    count = truth.at(week).get("critical_vulnerabilities")
    cells = [m for m in csv("vulnerabilities")["metric_id"] if m.endswith("_critical")]
    assert count is None or count == sum(truth.at(week).get(m, 0) for m in cells)   # the sample agrees with itself
    technical, executive = reports[week]["technical"], reports[week]["executive"]
    if count is None:
        assert "**Security Scan**: no data" in technical and "critical security vulnerabilities" in executive
    else:
        assert f"**Security Scan**: {fmt.number(count, 0)} critical," in technical
        issue = f"**Technical Debt**: {fmt.number(count, 0)} critical security vulnerabilities open"
        assert (issue in executive) == (count > 0)
    if week == 1:
        assert count == 2


@pytest.mark.parametrize("week", WEEKS)
def test_sprint_completion_and_build_failure_rate(truth, reports, week):
    text = reports[week]["technical"]
    team = truth.team[(truth.team["date"] > week_end(week - 1)) & (truth.team["date"] <= week_end(week))]
    if week == 0:
        assert "**Sprint Completion**: no data" in text and "**Build Success Rate**: no data" in text
        return
    completed, planned = team["story_points_completed"].sum(), team["story_points_planned"].sum()
    assert f"**Sprint Completion**: {fmt.pct(completed / planned * 100, 0)} ({completed} completed of {planned} " \
           "planned story points)" in text
    last = team[team["date"] == week_end(week)]["build_success_rate"].mean()
    assert f"build failure rate {fmt.pct(100 - last, 1)} (alert above 10%)" in text


@pytest.mark.parametrize("week", (*WEEKS, 1))
def test_cost_exposure_uses_the_plans_per_violation_costs(truth, reports, week):
    issues = section(reports[week]["executive"], "## 🚨 Critical Issues Requiring Action")
    day = week_end(week)
    tcpa_day, state_day = truth.day("tcpa_violations_per_day", day), truth.day("state_law_violations_per_day", day)
    tcpa_week = truth.week_sum("tcpa_violations_per_day", week)
    state_week = truth.week_sum("state_law_violations_per_day", week)
    if week == 0:
        assert "violations priced per call" in issues                   # no data: named, not an issue
        return
    if tcpa_week + state_week == 0:
        assert "Compliance Risk" not in issues
        return
    low, high = tcpa_week * 500 + state_week * 100, tcpa_week * 1500 + state_week * 500
    assert f"this week: " in issues and f"**{fmt.money(low)}–{fmt.money(high)}**" in issues
    if tcpa_day + state_day > 0:
        day_low, day_high = tcpa_day * 500 + state_day * 100, tcpa_day * 1500 + state_day * 500
        assert f"on the latest day: " in issues and f"**{fmt.money(day_low)}–{fmt.money(day_high)}**" in issues
    else:
        assert "daily violation exposure on the latest day: none" in issues
    if week == 1:
        assert tcpa_week > 0 and state_week > 0


@pytest.mark.parametrize("week", WEEKS)
def test_critical_issues_hold_only_real_issues(reports, week):
    issues = section(reports[week]["executive"], "## 🚨 Critical Issues Requiring Action")
    items = [line for line in issues.splitlines() if re.match(r"\d+\. ", line)]
    for line in items:
        assert not re.search(r"\*\*: (0|no data)\b|: 0 of |\b0 critical\b", line), line
    listed = len(items) if "No critical issue" not in issues else 0
    assert f"**Critical Blockers**: {listed} issue" in reports[week]["executive"]


@pytest.mark.parametrize("week", WEEKS)
def test_both_reports_state_the_roi_with_its_investment_and_cost_avoidance(truth, reports, week):
    now = truth.at(week)
    achieved = sum(r.annual_exposure * (now[f"protection_{r.risk_id}"] - r.current_protection) / 100
                   for r in csv("cost_avoidance").itertuples())
    revenue = sum(now[f"revenue_stream_{s}"] for s in csv("revenue_streams")["stream_id"])
    roi = fmt.pct((revenue + achieved - INVESTMENT) / INVESTMENT * 100, 0)
    executive = reports[week]["executive"]
    assert f"**Cost Avoidance**: {fmt.money(achieved)} a year avoided" in executive
    for kind in report.KINDS:
        text = reports[week][kind]
        assert f"ROI to date **{roi}**" in text
        assert "investment 13 people × $4K a person-week × 12 weeks = $624K" in text
    assert "the plan gives no cost per violation" not in executive and "no investment to divide by" not in executive


# --- the pages, as a user sees them --------------------------------------------------------------

@pytest.mark.parametrize("week", WEEKS)
def test_business_page_shows_the_live_figures_of_its_week(truth, sample_db_path, monkeypatch, week):
    from tests.apptest import run_page, tables
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("business", week=week)
    assert not at.exception, [e.value for e in at.exception]
    now = truth.at(week)
    streams = next(d for d in tables(at) if "Run-rate now" in d.columns).set_index("Stream")
    for s in csv("revenue_streams").itertuples():
        assert streams.loc[s.stream, "Run-rate now"] == fmt.money(now[f"revenue_stream_{s.stream_id}"])
    costs = next(d for d in tables(at) if "Protection now" in d.columns).set_index("Risk")
    achieved = 0.0
    for r in csv("cost_avoidance").itertuples():
        assert costs.loc[r.risk, "Protection now"] == fmt.value(now[f"protection_{r.risk_id}"], "%")
        achieved += r.annual_exposure * (now[f"protection_{r.risk_id}"] - r.current_protection) / 100
    body = "\n".join(m.value for m in at.markdown)
    assert f"Cost avoidance achieved to date: **{fmt.money(achieved)}** a year" in body
    assert f"Tracked revenue pipeline: **{fmt.money(now['revenue_pipeline_usd'])}** (the overview's figure)" in body
    customers = next(d for d in tables(at) if "Month 6" in d.columns and "Metric" in d.columns)
    assert customers.set_index("Metric").loc["Average deal size", "Current"] == fmt.value(now.get("avg_deal_size_usd"), "$")
    assert {"Status", "Pace"} <= set(customers.columns)


@pytest.mark.parametrize("week", WEEKS)
def test_security_page_shows_the_computed_risk_matrix_of_its_week(truth, sample_db_path, monkeypatch, week):
    from tests.apptest import run_page, tables
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("security", week=week)
    assert not at.exception, [e.value for e in at.exception]
    now, coverage = truth.at(week), csv("compliance_risk_coverage")
    matrix = next(d for d in tables(at) if "Expected loss" in d.columns).set_index("Violation type")
    words = {"met": "🟢 Protected", "partial": "🟡 Partially protected", "not_met": "🔴 Unprotected"}
    for r in csv("compliance_risks").itertuples():
        reqs = coverage.loc[coverage["violation_type"] == r.violation_type, "metric_id"]
        protection = sum(now[m] for m in reqs) / len(reqs)
        assert matrix.loc[r.violation_type, "Protection"] == fmt.value(protection, "%")
        assert matrix.loc[r.violation_type, "Expected loss"] == fmt.money(r.annual_risk * (1 - protection / 100))
        assert matrix.loc[r.violation_type, "Status (computed)"] == words[expected_status(protection, 100)]
    body = "\n".join(m.value for m in at.markdown)
    assert "Expected loss = annual exposure × (1 − protection)" in body            # the rule, under the table
    assert any("Why it covers the risk" in d.columns for d in tables(at))  # the mapping, shown


@pytest.mark.browser
def test_chromium_reads_live_revenue_and_protection_on_business_at_week_12(truth, sample_db_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser import launch_chromium, page_text, served_app
    now = truth.at(12)
    with served_app(sample_db_path) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        text = page_text(page, f"{base}/business?week=12")
        tables = page.locator("[data-testid='stTable']")         # short tables are static HTML tables
        cells = [tables.nth(i).locator("td").all_inner_texts() for i in range(tables.count())]
        revenue = next(c for c in cells if "Compliance-enabled new customers" in c)
        protection = next(c for c in cells if "TCPA violations" in c)
        browser.close()
    assert "As of plan week 12 of 12" in text
    for s in csv("revenue_streams").itertuples():                     # each stream's run-rate, in its row
        row = revenue[revenue.index(s.stream):][:2]
        assert row == [s.stream, fmt.money(now[f"revenue_stream_{s.stream_id}"])]
    assert revenue[revenue.index("Compliance-enabled new customers") + 1] == "$540K"   # not the $0 the issue saw
    for r in csv("cost_avoidance").itertuples():
        at = protection.index(r.risk)
        assert protection[at + 3] == fmt.value(now[f"protection_{r.risk_id}"], "%")   # Risk, exposure, week 0, now
    assert protection[protection.index("TCPA violations") + 3] == "96%"
    assert f"Tracked revenue pipeline: {fmt.money(now['revenue_pipeline_usd'])} (the overview's figure)" in text


def test_the_new_metrics_load_through_the_upload_templates(db, tmp_path):
    """An analyst fills the observations and team_metrics_daily templates with the new metrics."""
    from loaders import load, schema, templates
    header = lambda table: templates.csv_bytes(table).decode("utf-8").splitlines()[0]   # noqa: E731
    rows = ["revenue_stream_premium_compliance_features,2025-02-02,150000", "protection_tcpa_violations,2025-02-02,42",
            "state_law_violations_per_day,2025-02-02,3"]
    obs = tmp_path / "observations.csv"
    obs.write_text("\n".join([header(schema.OBSERVATIONS), *rows]) + "\n", encoding="utf-8")
    team = tmp_path / "team.csv"
    assert "story_points_planned" in header(schema.TEAM_METRICS_DAILY)
    team.write_text(header(schema.TEAM_METRICS_DAILY) + "\n2025-02-03,Security,3,4,75,40,90\n", encoding="utf-8")
    load.load_file(obs, "observations", db=db)
    load.load_file(team, "team_metrics_daily", db=db)
    with duckdb.connect(str(db), read_only=True) as con:
        got = dict(con.execute("SELECT metric_id, value FROM observations WHERE as_of "
                               "IN ('2025-02-02', '2025-02-03')").fetchall())
    assert got["revenue_stream_premium_compliance_features"] == 150_000 and got["protection_tcpa_violations"] == 42
    assert got["state_law_violations_per_day"] == 3 and got["story_points_planned_security"] == 4
