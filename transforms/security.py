"""Security posture and compliance: the scorecard, vulnerability matrix, TCPA/GDPR checklists, risk matrix.

Scores come from transforms.audit (the same computation the consistency audit uses), so the page and
the audit can never disagree about 9.5 vs the plan's stated 11.
"""
from __future__ import annotations

import pandas as pd

from transforms import audit, fmt, status
from transforms.model import PlanData, target_rows, memo

SEVERITIES = ("critical", "high", "medium", "low")
RISK_ORDER = ("CRITICAL", "HIGH", "MEDIUM")


def _stated(data: PlanData) -> pd.Series:
    return data.plan["stated_totals"].set_index("total_id")["stated_value"].astype(float)


@memo
def scorecard(data: PlanData) -> tuple[pd.DataFrame, float, float]:
    """(one row per control, computed total, stated total). Implementation without data counts as 0."""
    controls = data.plan["security_controls"]
    latest = data.latest_map()
    computed = audit.computed_totals(data.plan, latest)
    rows = target_rows(data, "security_control").set_index("metric_id")
    impl = controls["metric_id"].map(latest)
    scores = audit.security_score(controls, impl.fillna(0.0))
    table = pd.DataFrame({
        "Security control": controls["control"], "Implementation": [fmt.pct(v, 1) if pd.notna(v) else "no data" for v in impl],
        "Target": controls["metric_id"].map(rows["text_as_written"]).fillna("100%"),
        "Score (computed)": [f"{fmt.number(s, 2)}/{int(m)}" for s, m in zip(scores, controls["max_score"])],
        "Plan states (week 0)": [f"{fmt.number(s, 2)}/{int(m)}" for s, m in zip(controls["stated_score"], controls["max_score"])],
        "Status": controls["metric_id"].map(rows["status_badge"]),
    })
    return table, computed["security_score_total"][0], float(_stated(data).get("security_score_total", float("nan")))


@memo
def mismatched_controls(data: PlanData) -> list[tuple[str, float, float]]:
    """Controls whose stated score differs from implementation × max score (on the plan's own rows)."""
    controls = data.plan["security_controls"]
    impl = controls["metric_id"].map(data.latest_map()).fillna(0.0)
    scores = audit.security_score(controls, impl)
    return [(c, float(st), float(s)) for c, st, s in zip(controls["control"], controls["stated_score"], scores)
            if abs(s - st) > 1e-9]


@memo
def vulnerability_matrix(data: PlanData) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(counts category × severity with NaN = no data, target text, status) in the plan's order."""
    vulns = data.plan["vulnerabilities"].copy()
    vulns["count"] = vulns["metric_id"].map(data.latest_map())
    rows = target_rows(data, "vulnerability").set_index("metric_id")
    vulns["status"] = [rows["status"].get(m, status.NO_DATA if pd.isna(c) else "no_target")
                       for m, c in zip(vulns["metric_id"], vulns["count"])]
    order = list(dict.fromkeys(vulns["vuln_category"]))

    def wide(col):
        return vulns.pivot(index="vuln_category", columns="severity", values=col).reindex(index=order, columns=list(SEVERITIES))
    return wide("count"), wide("target_text"), wide("status")


def vulnerability_table(counts: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"Category": counts.index})
    for sev in SEVERITIES:
        out[sev.title()] = [f"{fmt.number(c, 0) if pd.notna(c) else 'no data'} (target {t})"
                            for c, t in zip(counts[sev], targets[sev])]
    return out


@memo
def compliance(data: PlanData, regime: str) -> tuple[pd.DataFrame, float, str]:
    """(requirement table, score = mean implementation, risk level) for TCPA or GDPR."""
    reqs = data.plan["compliance_requirements"]
    reqs = reqs[reqs["regime"] == regime]
    rows = target_rows(data, regime.lower()).set_index("metric_id")
    impl = reqs["metric_id"].map(data.latest_map())
    score = audit.computed_totals(data.plan, data.latest_map())[f"{regime.lower()}_compliance_score"][0]
    table = pd.DataFrame({"Requirement": reqs["requirement"].values,
                          "Implementation": [fmt.pct(v, 1) if pd.notna(v) else "no data" for v in impl],
                          "Status": reqs["metric_id"].map(rows["status_badge"]).values,
                          "Risk level": reqs["risk_level"].values})
    return table, score, risk_level(reqs, impl)


def risk_level(reqs: pd.DataFrame, impl: pd.Series) -> str:
    """The highest risk level among requirements not fully implemented (no data counts as open)."""
    open_levels = set(reqs.loc[impl.isna() | (impl < 100), "risk_level"].str.upper())
    return next((level for level in RISK_ORDER if level in open_levels), "LOW")


@memo
def risk_matrix(data: PlanData) -> pd.DataFrame:
    """The compliance risk matrix with expected annual loss = probability × annual exposure."""
    risks = data.plan["compliance_risks"].copy()
    risks["expected_loss"] = risks["probability_pct"] / 100 * risks["annual_risk"]
    return risks


def risk_table(risks: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Violation type": risks["violation_type"],
                         "Probability": [f"{l} ({fmt.pct(p, 0)})" for l, p in zip(risks["probability_label"], risks["probability_pct"])],
                         "Impact": risks["impact_text"], "Annual exposure": [fmt.money(v) + "+" for v in risks["annual_risk"]],
                         "Expected loss": [fmt.money(v) for v in risks["expected_loss"]],
                         "Status (as written)": risks["status_as_written"]})


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    return rules.rename(columns={"rule": "Rule", "value": "Value", "source": "Source", "as_of": "As of"})
