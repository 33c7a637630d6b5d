"""Security posture and compliance: the scorecard, vulnerability matrix, TCPA/GDPR checklists, risk matrix.

Scores come from transforms.audit (the same computation the consistency audit uses), so the page and
the audit can never disagree about 9.5 vs the plan's stated 11.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms import audit, fmt, status
from transforms.model import PlanData, target_rows, memo
from transforms.table import Table

SEVERITIES = ("critical", "high", "medium", "low")
RISK_ORDER = ("CRITICAL", "HIGH", "MEDIUM")


def _stated(data: PlanData) -> pd.Series:
    return data.plan["stated_totals"].set_index("total_id")["stated_value"].astype(float)


@memo
def scorecard(data: PlanData) -> tuple[pd.DataFrame, float, float]:
    """(one row per control, computed total, stated total). Implementation without data counts as 0."""
    controls = data.plan["security_controls"]
    latest = data.latest_map()
    computed = audit.totals(data)
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


def posture_sentence(headline, score: float, stated: float, snapshot: PlanData, week: int) -> str:
    """The two security figures the plan keeps, side by side: the headline Security score (the health
    score's security category, kpis.security) and the posture scorecard's total computed from its controls,
    with the plan's stated total and what its own rows give (its Executive Dashboard says 65/100 where the
    scorecard says 11/100: contradictions.csv, security_dashboard_vs_scorecard)."""
    plan_score = scorecard(snapshot)[1]
    wrong = mismatched_controls(snapshot)
    flag = "; ".join(f"its {c} row says {fmt.number(said, 2)} where the implementation gives {fmt.number(s, 2)}"
                     for c, said, s in wrong)
    return (f"Security score **{headline.shown}** as of plan week {week} (target {headline.target_text}): the "
            f"health score's security category, the figure on the overview. The posture scorecard below "
            f"computes **{fmt.value(score, 'score')}** from its controls (Σ implementation × max score). The "
            f"plan states the scorecard at **{fmt.value(stated, 'score')}** at week 0, but its own rows give "
            f"**{fmt.value(plan_score, 'score')}** — {flag or 'every row agrees'}.")


def compliance_sentence(headline, week: int) -> str:
    """The headline Compliance score beside the TCPA and GDPR requirement scores that follow it."""
    return (f"Compliance score **{headline.shown}** as of plan week {week} (target {headline.target_text}): the "
            "health score's compliance category, the figure on the overview. The TCPA and GDPR scores below are "
            "the mean implementation of each regime's requirements.")


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
    score = audit.totals(data)[f"{regime.lower()}_compliance_score"][0]
    table = pd.DataFrame({"Requirement": reqs["requirement"].values,
                          "Implementation": [fmt.pct(v, 1) if pd.notna(v) else "no data" for v in impl],
                          "Status": reqs["metric_id"].map(rows["status_badge"]).values,
                          "Risk level": reqs["risk_level"].values})
    return table, score, risk_level(reqs, impl)


def risk_level(reqs: pd.DataFrame, impl: pd.Series) -> str:
    """The highest risk level among requirements not fully implemented (no data counts as open)."""
    open_levels = set(reqs.loc[impl.isna() | (impl < 100), "risk_level"].str.upper())
    return next((level for level in RISK_ORDER if level in open_levels), "LOW")


# The plan's words for a risk's status, read as the one status vocabulary (status.VOCABULARIES).
STATED_PROTECTION = {"UNPROTECTED": status.NOT_MET, "PARTIALLY PROTECTED": status.PARTIAL,
                     "PROTECTED": status.MET}
PROTECTED_AT = 100.0        # every covering requirement fully implemented

RISK_RULE = ("**How the matrix is computed.** A risk's protection is the mean implementation of the compliance "
             "requirements that cover it (equal weights; a requirement without data counts as 0%; the mapping is "
             "data, listed below). Expected loss = annual exposure × "
             "(1 − protection): the annual exposure is the plan's own Annual Risk (its lower bound, \"$6M+\" → $6M), "
             "the figure its cost-avoidance table uses too, so the probability is shown as written and not "
             "multiplied in again. Status: 🟢 Protected when every covering requirement is fully implemented "
             "(protection 100%), 🟡 Partially protected from a quarter of the way (the app's one partial rule), "
             "🔴 Unprotected below that. The plan's own status is shown where it differs from the computed one.")


def _stated_status(text: str) -> str | None:
    """"🔴 UNPROTECTED" → not_met (a leading emoji or mark is dropped)."""
    words = str(text).upper().split()
    if words and not words[0][0].isalpha():
        words = words[1:]
    return STATED_PROTECTION.get(" ".join(words))


@memo
def risk_matrix(data: PlanData) -> pd.DataFrame:
    """The compliance risk matrix, live: per violation type the protection its covering requirements
    reach (as of the week), expected loss = annual exposure × (1 − protection) and the computed status."""
    risks = data.plan["compliance_risks"].copy()
    coverage = data.plan["compliance_risk_coverage"]
    impl = coverage["metric_id"].map(data.latest_map())
    per_risk = coverage.assign(impl=impl.fillna(0.0), known=impl.notna()).groupby("violation_type").agg(
        protection=("impl", "mean"), known=("known", "sum"), requirements=("metric_id", "size"))
    risks = risks.merge(per_risk, left_on="violation_type", right_index=True, how="left")
    risks["protection"] = risks["protection"].where(risks["known"] > 0)
    risks["expected_loss"] = risks["annual_risk"] * (1 - risks["protection"].fillna(0.0) / 100)
    risks["status"] = [status.evaluate(p, ">=", PROTECTED_AT, "higher_better") for p in risks["protection"]]
    risks["stated_status"] = risks["status_as_written"].map(_stated_status)
    return risks


def risk_table(risks: pd.DataFrame) -> Table:
    differs = risks["stated_status"] != risks["status"]
    data = pd.DataFrame({
        "Violation type": risks["violation_type"],
        "Probability": [f"{l} ({fmt.pct(p, 0)})" for l, p in zip(risks["probability_label"], risks["probability_pct"])],
        "Impact": risks["impact_text"], "Annual exposure": risks["annual_risk"],
        "Protection": risks["protection"], "Requirements": risks["requirements"],
        "Expected loss": risks["expected_loss"], "Status (computed)": risks["status"],
        "Plan's status (week 0)": risks["status_as_written"].where(differs, "")})
    return Table(data, {"Annual exposure": "$", "Protection": "%", "Requirements": "hidden",
                        "Expected loss": "$", "Status (computed)": "status:protection"})


def coverage_table(data: PlanData) -> Table:
    """Which requirements cover which risk, with each requirement's implementation as of the week."""
    coverage = data.plan["compliance_risk_coverage"]
    names = data.plan["compliance_requirements"].set_index("metric_id")
    frame = pd.DataFrame({"Violation type": coverage["violation_type"],
                          "Requirement": coverage["metric_id"].map(names["regime"] + ": " + names["requirement"]),
                          "metric_id": coverage["metric_id"],
                          "Implementation": coverage["metric_id"].map(data.latest_map()),
                          "Why it covers the risk": coverage["why"]})
    return Table(frame, {"metric_id": "id", "Implementation": "%"})


def risk_sentence(risks: pd.DataFrame, snapshot: pd.DataFrame) -> str:
    counts = risks["status"].value_counts()
    return (f"Annual exposure **{fmt.money(risks['annual_risk'].sum())}+** across {len(risks)} violation types "
            f"(the plan's lower bounds). Expected loss at the protection reached: "
            f"**{fmt.money(risks['expected_loss'].sum())}** a year, down from "
            f"{fmt.money(snapshot['expected_loss'].sum())} at week 0; "
            f"{int(counts.get(status.MET, 0))} protected, {int(counts.get(status.PARTIAL, 0))} partially protected, "
            f"{int(counts.get(status.NOT_MET, 0))} unprotected.")


def violation_exposure(risks: pd.DataFrame, counts: dict[str, float]) -> pd.DataFrame:
    """Violations observed × the plan's per-violation cost range, per violation type that has a count
    metric (compliance_risks.violations_metric_id; TCPA $500–$1,500 and state law $100–$500 per call).
    Columns violation_type, metric_id, violations (NaN: no data), cost_low, cost_high, low, high."""
    priced = risks.dropna(subset=["violations_metric_id", "violation_cost_low"])
    violations = priced["violations_metric_id"].map(lambda m: counts.get(m, float("nan"))).astype(float)
    return pd.DataFrame({"violation_type": priced["violation_type"], "metric_id": priced["violations_metric_id"],
                         "violations": violations, "cost_low": priced["violation_cost_low"],
                         "cost_high": priced["violation_cost_high"],
                         "low": violations * priced["violation_cost_low"],
                         "high": violations * priced["violation_cost_high"]}).reset_index(drop=True)


# --- critical vulnerabilities: one figure for every page and report ---------------------------------

CRITICAL_ID = "critical_vulnerabilities"


@dataclass(frozen=True)
class Critical:
    count: float | None          # the figure shown everywhere (None: no data)
    source: str                  # where it comes from, in words
    breakdown: float | None      # Σ of the scan's per-category critical cells (None: no cell observed)

    def text(self) -> str:
        if self.count is None:
            return "no data"
        note = (f" (the scan's categories add up to {fmt.number(self.breakdown, 0)})"
                if self.breakdown is not None and self.breakdown != self.count else "")
        return f"{fmt.number(self.count, 0)}{note}"


@memo
def critical_vulnerabilities(data: PlanData) -> Critical:
    """Open critical vulnerabilities as of the week: the headline `critical_vulnerabilities` metric
    (metrics_daily, what the critical alert evaluates), else the sum of the scan's critical cells."""
    latest = data.latest_map()
    cells = data.plan["vulnerabilities"]
    cells = cells.loc[cells["severity"] == "critical", "metric_id"]
    seen = [latest[m] for m in cells if m in latest]
    breakdown = float(sum(seen)) if seen else None
    if latest.get(CRITICAL_ID) is not None:
        return Critical(float(latest[CRITICAL_ID]), "the daily critical-vulnerability count", breakdown)
    if breakdown is not None:
        return Critical(breakdown, "the sum of the vulnerability scan's critical cells", breakdown)
    return Critical(None, "no scan result yet", None)


def open_findings(data: PlanData, severity: str) -> float | None:
    """Σ open findings of one severity over the scan's categories (None: no cell observed)."""
    latest = data.latest_map()
    cells = data.plan["vulnerabilities"]
    seen = [latest[m] for m in cells.loc[cells["severity"] == severity, "metric_id"] if m in latest]
    return float(sum(seen)) if seen else None


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    return rules.rename(columns={"rule": "Rule", "value": "Value", "source": "Source", "as_of": "As of"})
