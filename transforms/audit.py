"""The consistency audit: recompute every total the plan states from its own rows.

Each check says what the document states, what its components give, and
whether they agree. Values written with '~' are approximate and agree within
APPROX_TOLERANCE points.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

APPROX_TOLERANCE = 2.5
EXACT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Check:
    total_id: str
    label: str
    stated: float
    computed: float
    unit: str
    text_as_written: str
    how: str

    @property
    def approximate(self) -> bool:
        return self.text_as_written.strip().lstrip("*").startswith("~")

    @property
    def consistent(self) -> bool:
        tolerance = APPROX_TOLERANCE if self.approximate else EXACT_TOLERANCE * max(1.0, abs(self.stated))
        return abs(self.stated - self.computed) <= tolerance


def _revenue(plan: dict[str, pd.DataFrame]) -> dict[str, tuple[float, str]]:
    streams = plan["revenue_streams"]
    cols = {"current": "current", "month_3": "month_3", "month_6": "month_6",
            "month_12": "month_12", "annual": "annual_target"}
    return {f"revenue_total_{key}": (float(streams[col].sum()), f"sum of the {len(streams)} streams' {col}")
            for key, col in cols.items()}


def savings(costs: pd.DataFrame, target_col: str = "target_protection") -> pd.Series:
    """Cost avoidance = annual exposure × (target protection − current protection)."""
    return costs["annual_exposure"] * (costs[target_col] - costs["current_protection"]) / 100


def _costs(plan) -> dict[str, tuple[float, str]]:
    costs = plan["cost_avoidance"]
    saved = savings(costs)
    exposure = costs["annual_exposure"]
    out = {"cost_avoidance_total": (float(saved.sum()), "Σ exposure × (target − current protection)"),
           "cost_exposure_total": (float(exposure.sum()), "sum of annual exposures"),
           "cost_current_protection_total": (float((exposure * costs["current_protection"]).sum() / exposure.sum()),
                                  "exposure-weighted mean of current protection"),
           "cost_target_protection_total": (float((exposure * costs["target_protection"]).sum() / exposure.sum()),
                                 "exposure-weighted mean of target protection")}
    for risk_id, value in zip(costs["risk_id"], saved):
        out[f"cost_savings_{risk_id}"] = (float(value), "exposure × (target − current protection)")
    return out


def security_score(controls: pd.DataFrame, implementation: pd.Series) -> pd.Series:
    """Each control's score = implementation % × max score."""
    return implementation / 100 * controls["max_score"]


def _security(plan, latest: dict[str, float]) -> dict[str, tuple[float, str]]:
    controls = plan["security_controls"]
    impl = controls["metric_id"].map(latest).fillna(0.0)
    scores = security_score(controls, impl)
    out = {"security_score_total": (float(scores.sum()), "Σ implementation × max score"),
           "security_implementation_pct": (float(impl.mean()), "mean implementation of the controls")}
    for metric_id, value in zip(controls["metric_id"], scores):
        out[f"security_score_{metric_id.removeprefix('security_control_').removesuffix('_pct')}"] = (
            float(value), "implementation × max score")
    return out


def _compliance(plan, latest) -> dict[str, tuple[float, str]]:
    reqs = plan["compliance_requirements"]
    out = {}
    for regime, rows in reqs.groupby("regime"):
        impl = rows["metric_id"].map(latest)
        out[f"{regime.lower()}_compliance_score"] = (float(impl.mean()), f"mean implementation of the {len(rows)} {regime} requirements")
    return out


def _teams(plan) -> dict[str, tuple[float, str]]:
    teams = plan["teams"]
    return {"velocity_total_max": (float(teams["capacity_points"].sum()), "sum of team capacities"),
            "velocity_total_target": (float(teams["velocity_target"].sum()), "sum of team velocity targets")}


def _coverage(plan, latest) -> dict[str, tuple[float, str]]:
    cov = plan["test_coverage"]
    teams = cov[cov["team"] != "Overall"]
    out = {}
    for level, rows in teams.groupby("level"):
        out[f"test_coverage_overall_{level}"] = (float(rows["metric_id"].map(latest).mean()),
                                                 f"mean of the teams' {level} coverage")
    return out


def _health(plan, latest) -> dict[str, tuple[float, str]]:
    cats = plan["metrics"].dropna(subset=["weight"])
    total = float((cats["weight"] * cats["metric_id"].map(latest)).sum())
    out = {"health_score": (total, "Σ weight × category score")}
    if "targets" in plan:
        week12 = plan["targets"].query("section == 'health_category' and due_week == 12")
        weights = week12["metric_id"].map(cats.set_index("metric_id")["weight"])
        out["health_score_target"] = (float((weights * week12["value"]).sum()),
                                      "Σ weight × each category's week-12 target")
    return out


def computed_totals(plan: dict[str, pd.DataFrame], latest: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Every total the audit can recompute: total_id → (value, how)."""
    out = {}
    for part in (_revenue(plan), _costs(plan), _security(plan, latest), _compliance(plan, latest),
                 _teams(plan), _coverage(plan, latest), _health(plan, latest)):
        out.update(part)
    return out


def consistency_audit(plan: dict[str, pd.DataFrame], latest: dict[str, float]) -> pd.DataFrame:
    """One row per stated total that can be recomputed: stated, computed, difference, consistent."""
    computed = computed_totals(plan, latest)
    checks = [Check(r.total_id, r.label, float(r.stated_value), computed[r.total_id][0], r.unit,
                    str(r.text_as_written), computed[r.total_id][1])
              for r in plan["stated_totals"].itertuples() if r.total_id in computed]
    return pd.DataFrame({
        "total_id": [c.total_id for c in checks], "label": [c.label for c in checks],
        "stated": [c.stated for c in checks], "computed": [c.computed for c in checks],
        "difference": [c.computed - c.stated for c in checks], "unit": [c.unit for c in checks],
        "as_written": [c.text_as_written for c in checks], "how": [c.how for c in checks],
        "consistent": [c.consistent for c in checks]})
