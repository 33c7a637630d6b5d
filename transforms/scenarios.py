"""What-if levers as data (their widgets, presets and Monte Carlo ranges), the business tables and charts.

The page loops over `lever_specs` to draw its widgets, so a lever is declared once here;
presets are small dicts of lever values (missing = the plan); `compare` lays saved
scenarios side by side. All money goes through fmt.money.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

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


# --- charts (plotly figures; the page only shows them) --------------------------------------

_MARGIN = dict(l=10, r=10, t=30, b=10)
MONEY_AXIS = dict(tickprefix="$", tickformat="~s")


def _figure(data: list[dict], height: int, **layout) -> go.Figure:
    """One figure from plain dicts in a single constructor call.

    Profile of a slider move: `add_vline`/`add_vrect`/`update_layout` each re-validate and re-walk the
    whole figure (plotly's `_process_multiple_axis_spanning_shapes`, `batch_update`); building the
    dict once is several times cheaper. Validation itself (deep copies of every property) was then
    ~4 ms a figure of a ~55 ms slider move, so these figures skip it (plotly's own `_validate`
    switch); tests/test_scenarios.py validates each of them in full.
    """
    return go.Figure(dict(data=data, layout=dict(height=height, margin=_MARGIN, **layout)), _validate=False)


def monthly_figure(proj: Projection, base: Baseline) -> go.Figure:
    """The scenario's streams stacked by month, with the plan's total dashed over them."""
    m = proj.monthly
    months = m["month"].tolist()      # plain lists: numpy arrays cost a read-only copy + base64 typed-array encoding
    data = [dict(type="scatter", x=months, y=m[sid].tolist(), name=name, stackgroup="s", mode="none",
                 hovertemplate="%{y:$,.0f}")
            for sid, name in zip(base.stream_ids, base.streams["stream"])]
    data.append(dict(type="scatter", x=months, y=m["plan_total"].tolist(), name="Plan total",
                     line=dict(color="black", dash="dash"), mode="lines+markers", hovertemplate="%{y:$,.0f}"))
    return _figure(data, 360, xaxis=dict(title=dict(text="Month"), dtick=1), yaxis=MONEY_AXIS,
                   legend=dict(orientation="h", y=-0.25))


def annual_figure(proj: Projection, plan: Projection, base: Baseline, mc: dict) -> go.Figure:
    """Scenario and plan annual totals and the Monte Carlo P10–P90 (P50 tick) over the target band."""
    money = lambda v: fmt.money(v, 2)   # noqa: E731
    low, high = base.range_low, base.range_high
    band = dict(type="rect", xref="x", yref="paper", x0=low, x1=high, y0=0, y1=1, fillcolor="#2ca02c",
                opacity=0.12, line=dict(width=0), layer="below")
    edges = [dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, layer="above",
                  line=dict(dash="dot", color="#2ca02c")) for x in (low, high)]
    note = dict(x=(low + high) / 2, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                text=f"target range {money(low)}–{money(high)}", font=dict(color="#2ca02c"))
    data = [
        dict(type="bar", y=["This scenario", "Plan annual target"], x=[proj.annual_total, plan.annual_total],
             orientation="h", marker=dict(color=["#1f77b4", "#9aa5b1"]), textposition="outside",
             cliponaxis=False, text=[money(proj.annual_total), money(plan.annual_total)]),
        dict(type="bar", y=["P10–P90"], x=[mc["p90"] - mc["p10"]], base=[mc["p10"]], orientation="h",
             marker=dict(color="#aec7e8"), text=[f"{money(mc['p10'])}–{money(mc['p90'])}"],
             textposition="outside", cliponaxis=False),
        dict(type="scatter", y=["P10–P90"], x=[mc["p50"]], mode="markers", hovertemplate="P50 %{x:$,.0f}",
             marker=dict(symbol="line-ns-open", size=22, line=dict(width=3), color="#1f3b57")),
    ]
    top = max(proj.annual_total, plan.annual_total, mc["p90"], high) * 1.25
    return _figure(data, 260, barmode="overlay", showlegend=False, shapes=[band, *edges], annotations=[note],
                   xaxis=dict(**MONEY_AXIS, range=[0, top]),
                   yaxis=dict(categoryorder="array", categoryarray=["P10–P90", "This scenario", "Plan annual target"]))


def waterfall_figure(proj: Projection) -> go.Figure:
    """Cost avoidance by risk, stacking to the total (issue #4 asks for the waterfall)."""
    costs = proj.costs
    data = [dict(type="waterfall", x=list(costs["risk"]) + ["Total"], measure=["relative"] * len(costs) + ["total"],
                 y=list(costs["savings"]) + [0], textposition="outside", cliponaxis=False, textangle=0,
                 text=[fmt.money(v) for v in costs["savings"]] + [fmt.money(proj.cost_avoidance)])]
    return _figure(data, 240, showlegend=False,
                   yaxis=dict(**MONEY_AXIS, range=[0, max(proj.cost_avoidance, 1) * 1.2]))
