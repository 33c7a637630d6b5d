"""The business projection on the plan's own figures: exact at neutral levers, and every lever pulls the right way."""
from __future__ import annotations


import numpy as np
import pytest

from loaders.build import read_plan_csv
from transforms import audit, fmt
from transforms import projection as pj
from transforms import scenarios as sc

PLAN = {n: read_plan_csv(n) for n in ("revenue_streams", "cost_avoidance", "customer_acquisition",
                                      "stated_totals", "teams", "market_position")}
RANGES = {"revenue_delivery": (70, 110), "delay_months": (0, 3), "customers": (20, 35), "churn_pct": (1, 8)}


@pytest.fixture(scope="module")
def base() -> pj.Baseline:
    return pj.Baseline.from_plan(PLAN)


def test_neutral_levers_reproduce_every_plan_point(base):
    proj = pj.project(base)
    streams = PLAN["revenue_streams"].set_index("stream_id")
    monthly = proj.monthly.set_index("month")
    for sid in base.stream_ids:
        for month, col in ((0, "current"), (3, "month_3"), (6, "month_6"), (12, "month_12")):
            assert monthly.loc[month, sid] == pytest.approx(streams.loc[sid, col], abs=1e-6)
    assert [round(monthly.loc[m, "total"]) for m in (0, 3, 6, 12)] == [0, 2_100_000, 5_300_000, 7_600_000]
    assert proj.annual_total == pytest.approx(13_900_000, abs=1e-6)
    assert proj.month_12 == pytest.approx(7_600_000, abs=1e-6)
    assert list(proj.streams["scenario_annual"].round()) == [4_000_000, 2_500_000, 1_200_000, 1_200_000, 5_000_000]
    assert fmt.money(proj.annual_total) == "$13.9M"


def test_cost_avoidance_and_roi_at_the_plan(base):
    proj = pj.project(base)
    assert list(proj.costs["savings"].round()) == [5_994_000, 1_500_000, 390_000, 200_000]
    assert proj.cost_avoidance == pytest.approx(audit.savings(PLAN["cost_avoidance"]).sum()) == pytest.approx(8_084_000)
    # 10 engineers (5 teams × 2) + 3 named leads, × $4,000 a week × 12 weeks
    assert (base.engineers, base.people, base.default_investment) == (10, 13, 624_000)
    assert proj.roi_pct == pytest.approx((13_900_000 + 8_084_000 - 624_000) / 624_000 * 100)
    # the plan's 5,460% is $13.9M of revenue alone on $250K
    assert pj.implied_investment(5460, 13_900_000) == pytest.approx(250_000)
    assert pj.roi_pct(13_900_000, 0, 250_000) == pytest.approx(5460)


def test_range_and_targets_come_from_the_stated_totals(base):
    assert (base.range_low, base.range_high, base.roi_target_pct) == (6_800_000, 12_700_000, 5460)
    assert (base.customers, base.deal_size, base.churn_pct) == (30, 100_000, 2)


def test_ramp_is_monotone_without_overshoot(base):
    months = np.linspace(0, 12, 241)
    curve = pj.pchip(pj.KNOTS, base.points, base.slopes, months)
    assert (np.diff(curve, axis=0) >= -1e-6).all()                      # every stream only rises
    risk = curve[:, base.stream_ids.index("risk_avoidance_tcpa_fines")]
    assert risk[months >= 6].max() == pytest.approx(2_000_000)          # flat $2M from month 6, no bulge


@pytest.mark.parametrize("lever, low, high", [
    ("mult_api_usage_monetization", 80, 150), ("mult_risk_avoidance_tcpa_fines", 0, 100),
    ("customers", 20, 40), ("deal_size", 75_000, 125_000)])
def test_more_of_a_lever_means_more_revenue(base, lever, low, high):
    assert pj.project(base, {lever: low}).annual_total < pj.project(base, {lever: high}).annual_total


def test_ramp_delay_and_churn_reduce_revenue(base):
    totals = [pj.project(base, {"delay_months": d}).annual_total for d in (0, 1, 3, 6)]
    assert totals == sorted(totals, reverse=True) and totals[-1] < totals[0]
    assert pj.project(base, {"delay_months": 3}).month_12 < 7_600_000
    churned = [pj.project(base, {"churn_pct": c}).annual_total for c in (0, 2, 10, 30)]
    assert churned == sorted(churned, reverse=True) and churned[1] == pytest.approx(13_900_000)


def test_more_investment_lowers_roi_and_protection_raises_savings(base):
    rois = [pj.project(base, {"investment": i}).roi_pct for i in (250_000, 624_000, 2_000_000)]
    assert rois == sorted(rois, reverse=True)
    lower = pj.project(base, {"protect_tcpa_violations": 90})
    assert lower.cost_avoidance == pytest.approx(8_084_000 - 6_000_000 * 0.099)


def test_zero_multipliers_leave_no_revenue(base):
    proj = pj.project(base, {f"mult_{s}": 0 for s in base.stream_ids})
    assert proj.annual_total == 0 and proj.month_12 == 0


def test_vectorised_core_agrees_with_the_monthly_levels(base):
    levers = {"delay_months": 2.5, "churn_pct": 9, "customers": 22, "mult_premium_compliance_features": 140}
    proj = pj.project(base, levers)
    assert proj.annual_total == pytest.approx(proj.streams["scenario_annual"].sum())


def test_monte_carlo_is_seeded_ordered_and_collapses_without_ranges(base):
    levers = base.neutral_levers()
    a, b = pj.monte_carlo(base, levers, RANGES, seed=7), pj.monte_carlo(base, levers, RANGES, seed=7)
    assert a == b
    assert a != pj.monte_carlo(base, levers, RANGES, seed=8)
    assert a["p10"] < a["p50"] < a["p90"]
    point = pj.monte_carlo(base, levers, {})
    assert point["p10"] == point["p90"] == pytest.approx(13_900_000)
    # a pessimistic band sits below the plan
    assert pj.monte_carlo(base, levers, {"revenue_delivery": (50, 80)})["p90"] < 13_900_000 * 0.8 + 1


def test_monte_carlo_10k_draws_are_vectorised(base):
    """10,000 draws in one call (speed is measured by bench/bench_montecarlo.py, not here)."""
    result = pj.monte_carlo(base, base.neutral_levers(), RANGES, n=10_000)
    assert result["p10"] < result["p50"] < result["p90"]


@pytest.mark.parametrize("annual, expected", [
    (9_200_000, "This scenario lands at **$9.2M** a year, inside the plan's $6.8M–$12.7M target range."),
    (13_900_000, "This scenario lands at **$13.9M** a year, $1.2M above the plan's $6.8M–$12.7M target range."),
    (5_000_000, "This scenario lands at **$5M** a year, $1.8M below the plan's $6.8M–$12.7M target range.")])
def test_verdict(base, annual, expected):
    assert pj.verdict(annual, base.range_low, base.range_high, fmt.money) == expected


def test_presets_stay_inside_their_levers(base):
    specs = {s.key: s for s in sc.lever_specs(base)}
    assert set(specs) == set(base.neutral_levers())
    for name in sc.PRESETS:
        levers = sc.preset_levers(base, name)
        for key, value in levers.items():
            assert specs[key].min <= value <= specs[key].max, (name, key, value)
    plan, low, high = (pj.project(base, sc.preset_levers(base, n)).annual_total
                       for n in ("Plan", "Conservative", "Aggressive"))
    assert low < plan < high and plan == pytest.approx(13_900_000)


def test_what_if_tables_show_computed_totals_and_export_numbers(base):
    costs = sc.cost_table(pj.project(base).costs, stated_total=8_084_000)
    assert list(costs.display()["Savings"]) == ["$5.99M", "$1.5M", "$390K", "$200K", "$8.08M"]
    assert list(costs.export()["Savings (USD)"]) == pytest.approx([5_994_000, 1_500_000, 390_000, 200_000, 8_084_000])
    assert costs.export()["Current protection (%)"].iloc[-1] == pytest.approx(1_250_000 / 9_500_000 * 100)
    monthly = sc.monthly_table(pj.project(base), base).export().set_index("Month")
    assert [round(monthly.loc[m, "Plan level (USD)"]) for m in (3, 6, 12)] == [2_100_000, 5_300_000, 7_600_000]
