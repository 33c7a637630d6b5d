"""Business actuals as of the chosen week: revenue streams, protection levels, cost avoidance, ROI.

The plan's business tables become registry metrics (data/plan/metrics.csv):
- `revenue_stream_<stream_id>`: the run-rate a revenue stream has reached, measured monthly, in the
  terms of the plan's Month 3/6/12 columns; targets (section `revenue_stream`) are those columns, due
  at plan week round(month × 52/12) = 13 / 26 / 52 (the rule customer acquisition already used), so
  during the 12-week plan the month-3 figure is the target in force. The Annual Target column is its
  own target row (section `revenue_stream_annual`, due week 52), shown beside the run-rate and never
  used for its status: a year's revenue is not a level the run-rate can be held against, and the plan
  gives no formula that links the two.
- `protection_<risk_id>`: the protection level of a cost-avoidance risk (%), week 0 = the plan's
  Current Protection, target = its Target Protection (section `cost_avoidance`, due week 12).

Cost avoidance achieved to date = Σ annual exposure × (protection reached − protection at week 0):
the part of a year's exposure the protection reached so far removes. At target protection it is the
plan's $8.084M. The Executive report's Cost Avoidance line calls `cost_avoidance_achieved`.
ROI = projection.roi_pct on the stored investment (projection.Investment): one definition everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms import audit, fmt, projection, security, status
from transforms.model import PlanData, kpi_table, memo, target_rows
from transforms.scenarios import baseline
from transforms.table import Table

PIPELINE_IDS = ("revenue_pipeline_usd", "revenue_pipeline_monthly_usd")   # annual (overview.pipeline) and per month
STREAM_PREFIX = "revenue_stream_"
PROTECTION_PREFIX = "protection_"
MONTH_COLUMNS = {"month_3": "Month 3", "month_6": "Month 6", "month_12": "Month 12"}


# --- revenue streams -------------------------------------------------------------------------------

@memo
def stream_rows(data: PlanData) -> pd.DataFrame:
    """One row per stream, in the plan's order: the target in force (month 3 during the plan) with the
    run-rate reached, its status, and the plan's month and annual columns beside it."""
    plan = data.plan["revenue_streams"].assign(metric_id=lambda f: STREAM_PREFIX + f["stream_id"])
    rows = target_rows(data, "revenue_stream", in_force=True)
    cols = ["metric_id", "stream", *MONTH_COLUMNS, "annual_target"]
    return plan[cols].merge(rows, on="metric_id", how="left")


def revenue_total(rows: pd.DataFrame) -> dict:
    """Σ run-rate reached (None while any stream has no data) against Σ targets in force."""
    value = None if rows["value"].isna().any() else float(rows["value"].sum())
    target = float(rows["target"].sum())
    return {"value": value, "target": target,
            "status": status.evaluate(value, ">=", target, "higher_better"),
            **{c: float(rows[c].sum()) for c in (*MONTH_COLUMNS, "annual_target")}}


def _due(rows: pd.DataFrame) -> list[str]:
    return [f"{t} by week {int(w)}" if pd.notna(w) else t for t, w in zip(rows["text_as_written"], rows["due_week"])]


def revenue_table(paced: pd.DataFrame) -> Table:
    """Streams (paced: stream_rows + transforms.pace columns) and a computed total row."""
    total = revenue_total(paced)
    data = pd.DataFrame({
        "Stream": [*paced["stream"], "Total (computed)"],
        "metric_id": [*paced["metric_id"], None],
        "Run-rate now": [*paced["value"], total["value"]],
        "As of": [*pd.to_datetime(paced["as_of"]), pd.NaT],
        "Target in force": [*_due(paced), f"{fmt.money(total['target'])} (sum)"],
        "Status": [*paced["status"], total["status"]],
        "Pace": [*paced["pace"], ""],
        "Pace verdict": [*paced["verdict"], None],
        **{label: [*paced[col], total[col]] for col, label in MONTH_COLUMNS.items()},
        "Annual target": [*paced["annual_target"], total["annual_target"]],
    })
    kinds = {"metric_id": "id", "Run-rate now": "$", "As of": "hidden", "Status": "status", "Pace": "screen",
             "Pace verdict": "hidden", **{label: "$" for label in MONTH_COLUMNS.values()}, "Annual target": "$"}
    return Table(data, kinds)


# --- protection and cost avoidance ------------------------------------------------------------------

@memo
def protection_rows(data: PlanData) -> pd.DataFrame:
    """One row per cost-avoidance risk: exposure, protection at week 0 (the plan's Current Protection),
    protection reached (as of the week) with status against the target, cost avoided so far and at
    target, and the protection the /security risk matrix derives for the same risk, where it has one."""
    plan = data.plan["cost_avoidance"].assign(metric_id=lambda f: PROTECTION_PREFIX + f["risk_id"])
    rows = target_rows(data, "cost_avoidance", in_force=True)[
        ["metric_id", "target", "text_as_written", "due_week", "op", "direction", "unit", "value", "as_of",
         "status", "n_obs"]]
    out = plan.merge(rows, on="metric_id", how="left")
    out["avoided"] = audit.savings(out, "value")           # the plan's savings rule, at the level reached
    out["at_target"] = audit.savings(out)
    matrix = security.risk_matrix(data).dropna(subset=["cost_risk_id"]).set_index("cost_risk_id")
    out["matrix_protection"] = out["risk_id"].map(matrix["protection"])
    return out


@dataclass(frozen=True)
class CostAvoidance:
    achieved: float             # Σ exposure × (reached − week 0) over risks with data
    at_target: float            # the plan's figure (target protection): $8.084M
    risks_with_data: int
    risks: int

    def sentence(self) -> str:
        missing = self.risks - self.risks_with_data
        gap = f"; {missing} of {self.risks} risks have no protection figure and count as no change" if missing else ""
        return (f"{fmt.money(self.achieved)} a year avoided by the protection reached so far, of "
                f"{fmt.money(self.at_target)} at target protection{gap}")


@memo
def cost_avoidance_achieved(data: PlanData) -> CostAvoidance:
    """Cost avoidance achieved to date = Σ annual exposure × (protection reached − protection at week 0)."""
    rows = protection_rows(data)
    known = rows["avoided"].notna()
    return CostAvoidance(float(rows.loc[known, "avoided"].sum()), float(rows["at_target"].sum()),
                         int(known.sum()), len(rows))


def protection_table(paced: pd.DataFrame) -> Table:
    """Risks (paced: protection_rows + pace columns) and a total row with exposure-weighted protections."""
    exposure = paced["annual_exposure"]
    weighted = lambda col: float((exposure * paced[col]).sum() / exposure.sum())   # noqa: E731
    reached = None if paced["value"].isna().any() else weighted("value")
    data = pd.DataFrame({
        "Risk": [*paced["risk"], "Total (computed)"],
        "metric_id": [*paced["metric_id"], None],
        "Annual exposure": [*exposure, float(exposure.sum())],
        "Week 0": [*paced["current_protection"], weighted("current_protection")],
        "Protection now": [*paced["value"], reached],
        "Target": [*paced["target_protection"], weighted("target_protection")],
        "Status": [*paced["status"], status.evaluate(reached, ">=", weighted("target_protection"), "higher_better")],
        "Pace": [*paced["pace"], ""],
        "Pace verdict": [*paced["verdict"], None],
        "Avoided so far": [*paced["avoided"], float(paced["avoided"].sum(min_count=1))],
        "At target": [*paced["at_target"], float(paced["at_target"].sum())],
    })
    kinds = {"metric_id": "id", "Annual exposure": "$", "Week 0": "%", "Protection now": "%", "Target": "%",
             "Status": "status", "Pace": "screen", "Pace verdict": "hidden", "Avoided so far": "$",
             "At target": "$"}
    return Table(data, kinds)


def matrix_comparison(rows: pd.DataFrame, tolerance: float = 0.5) -> str:
    """The recorded protection beside the one the /security risk matrix derives from the requirements,
    for the risks both tables hold (TCPA, GDPR): "agrees" or where they differ."""
    both = rows.dropna(subset=["matrix_protection"])
    if both.empty:
        return ""
    parts = [f"{r.risk} {fmt.pct(r.matrix_protection)}" + (
        "" if pd.notna(r.value) and abs(r.value - r.matrix_protection) <= tolerance
        else f" (recorded here: {fmt.value(r.value, '%')})") for r in both.itertuples()]
    return ("The /security risk matrix derives, from the compliance requirements covering the same risks: "
            + "; ".join(parts) + ".")


# --- ROI -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Roi:
    revenue: float | None            # Σ revenue run-rate reached (None: no stream has data)
    cost_avoidance: float            # achieved to date
    investment: projection.Investment
    target_pct: float

    @property
    def pct(self) -> float:
        if self.revenue is None:
            return float("nan")
        return projection.roi_pct(self.revenue, self.cost_avoidance, self.investment.total)

    def sentence(self) -> str:
        """The figure with its definition and the investment it divides by: said wherever ROI appears."""
        inv = self.investment
        basis = f"investment {inv.basis(fmt.money)} ({inv.provenance()})"
        if self.revenue is None:
            return f"ROI to date: no data (no revenue stream has a run-rate yet); {basis}"
        return (f"ROI to date **{fmt.pct(self.pct, 0)}** = (revenue run-rate {fmt.money(self.revenue)} + cost "
                f"avoidance achieved {fmt.money(self.cost_avoidance)} − {fmt.money(inv.total)}) ÷ "
                f"{fmt.money(inv.total)}; {basis}; target {fmt.pct(self.target_pct, 0)}")


@memo
def roi(data: PlanData) -> Roi:
    rows = stream_rows(data)
    revenue = None if rows["value"].isna().all() else float(rows["value"].sum())
    base = baseline(data)
    return Roi(revenue, cost_avoidance_achieved(data).achieved, base.investment, base.roi_target_pct)


def investment(data: PlanData) -> projection.Investment:
    return baseline(data).investment


@memo
def pipeline_rows(data: PlanData) -> pd.DataFrame:
    """The tracked pipeline (annual: overview.pipeline's metric) and the monthly pipeline identified,
    each against the target in force."""
    rows = target_rows(data, in_force=True)
    rows = rows[rows["metric_id"].isin(PIPELINE_IDS)].reset_index(drop=True)
    labels = data.registry.set_index("metric_id")["label"]
    return rows.assign(label=rows["metric_id"].map(labels), text_as_written=_due(rows))


# --- customer acquisition and market position ------------------------------------------------------

KPI_COLUMNS = {"label": "Metric", "current": "Current", "text_as_written": "Target in force",
               "status_badge": "Status", "pace": "Pace"}


@memo
def kpi_rows(data: PlanData, section: str) -> pd.DataFrame:
    """Target in force per metric of `section` (customer_acquisition, market_position) with value and status;
    the target reads with its due week where it has one ("5 by week 13")."""
    rows = target_rows(data, section, in_force=True)
    return rows.assign(text_as_written=_due(rows))


def customer_table(paced: pd.DataFrame, acquisition: pd.DataFrame) -> Table:
    """Customer KPIs: current, target in force, status, pace, and the plan's month 3/6/12 columns."""
    table = kpi_table(paced, KPI_COLUMNS)
    plan = acquisition.set_index("metric_id")
    data, kinds = table.data.copy(), dict(table.kinds)
    for col, label in MONTH_COLUMNS.items():
        data[label], kinds[label] = paced["metric_id"].map(plan[col]).to_numpy(), "unit:unit"
    return Table(data, kinds)


def market_table(paced: pd.DataFrame, market: pd.DataFrame) -> Table:
    """Market position KPIs (standing targets) with the plan's notes."""
    table = kpi_table(paced, KPI_COLUMNS)
    data = table.data.assign(Notes=paced["metric_id"].map(market.set_index("metric_id")["notes"]).to_numpy())
    return Table(data, table.kinds)


# --- sentences the page shows above its tables -----------------------------------------------------

REVENUE_RULE = ("Run-rate = the revenue level a stream has reached, measured monthly, in the terms of the plan's "
                "Month columns. Each Month m figure is a target due at plan week round(m × 52/12): month 3 → "
                "week 13 (the week after the plan ends, so it is the target in force throughout the plan), "
                "month 6 → 26, month 12 → 52. The Annual target (a year's revenue) is shown, not judged: the plan "
                "links it to no month level. Status against the target in force; pace projects the recent trend "
                "to its due week.")
COST_RULE = ("Avoided so far = annual exposure × (protection now − protection at week 0), the plan's savings rule "
             "at the protection reached; at target it gives the plan's $8.084M. Total protections are "
             "exposure-weighted.")


def revenue_sentence(rows: pd.DataFrame, pipeline: tuple, week: int) -> str:
    """Run-rate reached against the month-3 total, and the tracked pipeline (overview.pipeline's figure)."""
    total = revenue_total(rows)
    counts = rows["status"].value_counts()
    value, low, high = pipeline
    run = "no data" if total["value"] is None else fmt.money(total["value"])
    return (f"At plan week {week} the five streams run at **{run}** a year against **{fmt.money(total['target'])}** "
            f"due at month 3 (week 13): {int(counts.get(status.MET, 0))} met, {int(counts.get(status.PARTIAL, 0))} "
            f"partial, {int(counts.get(status.NOT_MET, 0))} not met, {int(counts.get(status.NO_DATA, 0))} without "
            f"data. Tracked revenue pipeline: **{'no data' if value is None else fmt.money(value)}** (the overview's "
            f"figure), against the plan's {fmt.money(low)}–{fmt.money(high)} annual range.")


def cost_sentence(ca: CostAvoidance, rows: pd.DataFrame) -> str:
    counts = rows["status"].value_counts()
    text = (f"Cost avoidance achieved to date: **{fmt.money(ca.achieved)}** a year, of **{fmt.money(ca.at_target)}** "
            f"at target protection; {int(counts.get(status.MET, 0))} of {len(rows)} risks at their target protection.")
    return f"{text} {matrix_comparison(rows)}".strip()
