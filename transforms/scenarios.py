"""What-if levers as data (their widgets, presets and Monte Carlo ranges), the business tables and charts.

The page loops over `lever_specs` to draw its widgets, so a lever is declared once here;
presets are small dicts of lever values (missing = the plan); `compare` lays saved
scenarios side by side. All money goes through fmt.money.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms import fmt
from transforms.model import PlanData, memo
from transforms.projection import Baseline, Projection, project
from transforms.table import Table


# --- the plan's side, computed once per data version (PlanData memo): a rerun only re-projects --

@memo
def baseline(data: PlanData) -> Baseline:
    return Baseline.from_plan(data.plan)


@memo
def plan_projection(data: PlanData) -> Projection:
    return project(baseline(data))


@dataclass(frozen=True)
class Lever:
    key: str
    label: str
    group: str                  # revenue | customers | protection | investment
    min: float
    max: float
    step: float
    format: str                 # printf format of the widget
    help: str = ""
    widget: str = "slider"      # slider | number


def lever_specs(base: Baseline) -> list[Lever]:
    specs = [Lever(f"mult_{r.stream_id}", r.stream, "revenue", 0, 200, 5, "%d%%",
                   f"% of the plan's figures for this stream (plan: {fmt.money(r.month_12)} at month 12)")
             for r in base.streams.itertuples()]
    specs += [
        Lever("delay_months", "Ramp delay (months)", "revenue", 0, 6, 1, "%d",
              "The whole revenue ramp starts this many months later; today's level holds meanwhile"),
        Lever("customers", "New enterprise customers by month 12", "customers", 0, 80, 1, "%d",
              f"Plan: {base.customers:.0f}. Scales the compliance-enabled new customers stream"),
        Lever("deal_size", "Average deal size ($)", "customers", 10_000, 500_000, 5_000, "%.0f",
              f"Plan: {fmt.money(base.deal_size)} at month 12", widget="number"),
        Lever("churn_pct", "Annual churn of recurring revenue", "customers", 0, 40, 0.5, "%.1f%%",
              f"Plan: {fmt.pct(base.churn_pct)} (its 98% retention at month 12). Applies to new customers, "
              "premium features and API usage"),
    ]
    specs += [Lever(f"protect_{r.risk_id}", r.risk, "protection", float(r.current_protection), 100, 0.1,
                    "%.1f%%", f"Target protection; plan {fmt.pct(r.target_protection)}, today "
                    f"{fmt.pct(r.current_protection)}") for r in base.costs.itertuples()]
    specs.append(Lever("investment", "Investment ($)", "investment", 0, 50_000_000, 25_000, "%.0f",
                       f"Default {fmt.money(base.default_investment)}: {base.people} people × $4,000 a week × 12 weeks",
                       widget="number"))
    return specs


# Presets: lever values; "mult_*" sets every stream, "investment_factor" scales the default investment.
PRESETS: dict[str, dict[str, float]] = {
    "Plan": {},
    "Conservative": {"mult_*": 75, "delay_months": 2, "customers": 20, "deal_size": 75_000, "churn_pct": 5,
                     "protect_tcpa_violations": 99, "protect_gdpr_non_compliance": 90,
                     "protect_security_breaches": 95, "protect_operational_inefficiency": 80,
                     "investment_factor": 1.25},
    "Aggressive": {"mult_*": 120, "delay_months": 0, "customers": 40, "deal_size": 120_000, "churn_pct": 1,
                   "protect_tcpa_violations": 99.9, "protect_gdpr_non_compliance": 99,
                   "protect_security_breaches": 99.5, "protect_operational_inefficiency": 95},
}

# Monte Carlo: per uncertain lever, the slider bounds and the default range the user starts from.
MC_RANGES = {
    "revenue_delivery": ("Revenue delivered (% of scenario)", 0, 200, 5, "%d%%", (70, 110)),
    "delay_months": ("Ramp delay (months)", 0, 6, 0.5, "%.1f", (0, 3)),
    "customers": ("New enterprise customers", 0, 80, 1, "%d", (20, 35)),
    "churn_pct": ("Annual churn", 0, 40, 0.5, "%.1f%%", (1, 8)),
}


def preset_levers(base: Baseline, name: str) -> dict[str, float]:
    levers = base.neutral_levers()
    for key, value in PRESETS[name].items():
        if key == "mult_*":
            levers.update({k: float(value) for k in levers if k.startswith("mult_")})
        elif key == "investment_factor":
            levers["investment"] = base.default_investment * value
        else:
            levers[key] = float(value)
    return levers


# --- the what-if tables (transforms.table.Table: raw values on screen and in the CSV) --------------

def cost_table(costs: pd.DataFrame, protection_col: str = "target_protection",
               stated_total: float | None = None) -> Table:
    """Risk, exposure, protections, savings = exposure × (target − current), with a computed total."""
    exposure = costs["annual_exposure"]
    weighted = lambda col: float((exposure * costs[col]).sum() / exposure.sum())   # noqa: E731
    data = pd.DataFrame({
        "Risk": [*costs["risk"], "Total (computed)"],
        "Annual exposure": [*exposure, float(exposure.sum())],
        "Current protection": [*costs["current_protection"], weighted("current_protection")],
        "Target protection": [*costs[protection_col], weighted(protection_col)],
        "Savings": [*costs["savings"], float(costs["savings"].sum())],
        "Plan states": [*costs["stated_savings"], stated_total]})
    return Table(data, {"Annual exposure": "$", "Current protection": "%", "Target protection": "%",
                        "Savings": "$", "Plan states": "$"})


def monthly_table(proj: Projection, base: Baseline) -> Table:
    m = proj.monthly
    cols = {"Month": m["month"].to_numpy(), "Plan level": m["plan_total"].to_numpy(),
            "Scenario level": m["total"].to_numpy(), "Scenario earned to date": m["cumulative"].to_numpy()}
    for sid, name in zip(base.stream_ids, base.streams["stream"]):
        cols[name] = m[sid].to_numpy()
    frame = pd.DataFrame(cols)         # one constructor: a column insert per stream was a third of the table's time
    return Table(frame, {c: ("count" if c == "Month" else "$") for c in frame.columns})


# --- saved scenarios ----------------------------------------------------------------------

OUTCOMES = {"annual_total": ("Annual revenue impact", "$"), "month_12": ("Month-12 level", "$"),
            "year_one_earned": ("Earned in months 1–12", "$"), "cost_avoidance": ("Cost avoidance", "$"),
            "investment": ("Investment", "$"), "roi_pct": ("ROI", "%"), "p10": ("P10 annual", "$"),
            "p50": ("P50 annual", "$"), "p90": ("P90 annual", "$")}


def _lever_unit(spec: Lever) -> str:
    if spec.key in ("deal_size", "investment"):
        return "$"
    return "%" if spec.format.endswith("%%") else "count"


def compare(saved: pd.DataFrame, base: Baseline) -> Table:
    """Outcomes then levers (rows) of saved scenarios (one column each, "name (#id)"), each row in its unit."""
    specs = lever_specs(base)
    rows = ([("Outcome", label, unit, key) for key, (label, unit) in OUTCOMES.items()]
            + [("Lever", s.label, _lever_unit(s), s.key) for s in specs])
    data = {"": [r[0] for r in rows], "What": [r[1] for r in rows], "unit": [r[2] for r in rows]}
    for r in saved.itertuples():
        values = {**r.outcomes, **r.levers}
        data[f"{r.name} (#{r.scenario_id})"] = [values.get(key, float("nan")) for *_, key in rows]
    frame = pd.DataFrame(data)
    return Table(frame, {"unit": "hidden", **{c: "unit:unit" for c in frame.columns[3:]}})


def flat(saved: pd.DataFrame) -> pd.DataFrame:
    """One row per saved scenario, every lever and outcome as a plain number (the CSV export)."""
    rows = [{"scenario_id": r.scenario_id, "name": r.name, "saved_at": r.saved_at, "saved_by": r.saved_by,
             **r.levers, **r.outcomes} for r in saved.itertuples()]
    return pd.DataFrame(rows)


def listing(saved: pd.DataFrame) -> Table:
    frame = pd.DataFrame({"#": saved["scenario_id"], "Name": saved["name"],
                          "Annual revenue impact": [o.get("annual_total") for o in saved["outcomes"]],
                          "ROI": [o.get("roi_pct") for o in saved["outcomes"]],
                          "Saved": pd.to_datetime(saved["saved_at"]), "By": saved["saved_by"]})
    return Table(frame, {"#": "count", "Annual revenue impact": "$", "ROI": "%", "Saved": "date"})
