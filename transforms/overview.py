"""Figures for the Executive overview: health score, categories, progress, risk and pipeline."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms import audit, fmt, security, status
from transforms.calendar import PLAN_WEEKS
from transforms.health import health_score, weekly_targets
from transforms.model import PlanData, memo, target_rows

HEALTH_ID = "overall_health_score"        # the registry's health score (also its recording rule's name)
MILESTONE_SECTIONS = ("phase1_week1", "phase1_week2", "phase1_week3", "phase2_business",
                      "phase2_performance", "phase3_final")


@dataclass(frozen=True)
class Health:
    computed: float
    stated: float | None
    consistent: bool
    contributions: pd.DataFrame
    target: tuple[int, float] | None = None      # (due week, value) of the plan's final health target


@memo
def categories(data: PlanData) -> pd.DataFrame:
    """The five weighted categories: value, weight, contribution, week 4/8/12 targets and status."""
    weighted = data.registry.dropna(subset=["weight"])[["metric_id", "label", "weight", "unit", "direction"]]
    cat_targets = data.targets[data.targets["metric_id"].isin(weighted["metric_id"])]
    wide = cat_targets.pivot_table(index="metric_id", columns="due_week", values="value", aggfunc="first")
    wide.columns = [f"week_{int(c)}" for c in wide.columns]
    rows = weighted.merge(data.latest[["metric_id", "value"]], on="metric_id", how="left")
    _, rows = health_score(rows)
    in_force = target_rows(data, "health_category", in_force=True)[["metric_id", "target", "status", "status_badge"]]
    return rows.merge(wide.reset_index(), on="metric_id", how="left").merge(in_force, on="metric_id", how="left")


@memo
def health(data: PlanData) -> Health:
    rows = categories(data)
    computed, _ = health_score(rows)
    stated = data.plan["stated_totals"].set_index("total_id")["stated_value"].get("health_score")
    consistent = stated is None or abs(float(stated) - computed) < 1e-6
    return Health(computed, None if stated is None else float(stated), consistent, rows, final_target(data))


def final_target(data: PlanData) -> tuple[int, float] | None:
    """The overall health score's target in force at the plan's last week (week 12: 95)."""
    rows = data.targets[(data.targets["metric_id"] == HEALTH_ID) & data.targets["value"].notna()]
    if rows.empty:
        return None
    last = status.target_in_force(rows, PLAN_WEEKS).iloc[0]
    return int(last["due_week"]), float(last["value"])


def trend_marks(now: Health, snapshot: Health) -> list[tuple[float, str, str, str]]:
    """Reference lines of the health trend chart: (value, dash, colour, label)."""
    marks = []
    if snapshot.stated is not None:
        marks.append((snapshot.stated, "dot", "#d62728", f"{fmt.score(snapshot.stated, 0)} (plan's stated score)"))
    if now.target is not None:
        week, value = now.target
        marks.append((value, "dash", "#2ca02c", f"{fmt.score(value, 0)} (week-{week} target)"))
    return marks


@memo
def health_targets(data: PlanData) -> pd.DataFrame:
    weighted = data.registry.dropna(subset=["weight"])
    return weekly_targets(weighted, data.targets[data.targets["section"] == "health_category"])


def category_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The category table as people read it."""
    out = pd.DataFrame({
        "Category": rows["label"].str.removesuffix(" score").str.title(),
        "Weight": [fmt.pct(w * 100, 0) for w in rows["weight"]],
        "Current": [fmt.score(v, 0) if pd.notna(v) else "no data" for v in rows["value"]],
        "Contribution": [fmt.score(c, 2) for c in rows["contribution"]],
    })
    for col in [c for c in rows.columns if c.startswith("week_")]:
        out[col.replace("_", " ").title()] = [fmt.score(v, 0) for v in rows[col]]
    out["Status"] = rows["status_badge"]
    return out


@memo
def overall_progress(data: PlanData) -> tuple[int, int]:
    """Milestone targets met, out of all milestone targets of the three phases."""
    rows = target_rows(data)
    rows = rows[rows["section"].isin(MILESTONE_SECTIONS)]
    return int((rows["status"] == status.MET).sum()), len(rows)


@memo
def risk_status(data: PlanData) -> tuple[str, str]:
    """(level, reason): the highest risk among compliance requirements not fully implemented."""
    reqs = data.plan["compliance_requirements"]
    impl = reqs["metric_id"].map(data.latest_map())
    level = security.risk_level(reqs, impl)
    if level == "LOW":
        return level, "every compliance requirement is implemented"
    hits = reqs[(impl.isna() | (impl < 100)) & (reqs["risk_level"].str.upper() == level)]
    regimes = ", ".join(sorted(hits["regime"].unique()))
    return level, f"{len(hits)} {level.lower()}-risk {regimes} requirement{'s' if len(hits) > 1 else ''} not fully implemented"


RISK_EMOJI = {"CRITICAL": "🔴", "HIGH": "🔴", "MEDIUM": "🟡", "LOW": "🟢"}


def pipeline(data: PlanData) -> tuple[float | None, float, float]:
    """Revenue pipeline now (the overview tile's figure, kpis.pipeline), and the plan's annual target range.

    /business, the reports and the overview's status sentence read it here; the value is the tile's,
    so the pipeline is one number everywhere."""
    from transforms import kpis          # kpis builds on this module: imported here, not at the top
    stated = data.plan["stated_totals"].set_index("total_id")["stated_value"]
    return (kpis.pipeline(data).value, float(stated.get("revenue_target_annual_low", 6.8e6)),
            float(stated.get("revenue_target_annual_high", 12.7e6)))


@memo
def audit_table(data: PlanData) -> pd.DataFrame:
    return audit.consistency_audit({**data.plan, "targets": data.targets}, data.latest_map(), audit.totals(data))


@memo
def plan_contradictions(data: PlanData) -> pd.DataFrame:
    return audit.contradictions({**data.plan, "targets": data.targets}, data.latest_map(), audit.totals(data))


def health_trend(history: pd.DataFrame, weights: pd.DataFrame, until=None) -> pd.DataFrame:
    """dce:overall_health_score per day from the category series, up to `until`.

    A day with at least one category observed carries the others forward; a day with none is NaN, so
    the chart's line breaks there instead of drawing a straight line across weeks without data."""
    if history.empty:
        return pd.DataFrame(columns=["as_of", "health_score"])
    rows = history.assign(as_of=pd.to_datetime(history["as_of"]).dt.normalize())
    if until is not None:
        rows = rows[rows["as_of"] <= pd.Timestamp(until)]
    wide = rows.pivot_table(index="as_of", columns="metric_id", values="value").sort_index()
    observed = wide.notna().any(axis=1)
    w = weights.set_index("metric_id")["weight"]
    wide = wide.ffill().reindex(columns=w.index)
    score = (wide * w).sum(axis=1, min_count=len(w)).where(observed)
    days = pd.date_range(score.index.min(), score.index.max(), freq="D") if len(score) else score.index
    return score.reindex(days).rename("health_score").rename_axis("as_of").reset_index()


AUDIT_WORST = 3


def audit_worst(audit_rows: pd.DataFrame, n: int = AUDIT_WORST) -> pd.DataFrame:
    """The inconsistent checks with the largest relative difference (the overview's compact audit)."""
    bad = audit_rows[~audit_rows["consistent"]]
    size = (bad["difference"].abs() / bad["computed"].abs().where(bad["computed"] != 0, 1)).fillna(0)
    return audit_display(bad.assign(_size=size).sort_values("_size", ascending=False).head(n).drop(columns="_size"))


def glance_sentence(data: PlanData, headlines) -> str:
    """Where the plan stands, in one line: each headline with its status word, then the risk status."""
    shown = "; ".join(f"{h.label.lower()} **{h.shown}** ({status.LABEL[h.status].lower()})" for h in headlines)
    risk, reason = risk_status(data)
    return f"At plan week {data.week}: {shown}. **Risk status:** {RISK_EMOJI[risk]} {risk} — {reason}."


def audit_display(audit_rows: pd.DataFrame) -> pd.DataFrame:
    """The audit as people read it: inconsistent rows first, figures in their units."""
    def show(value, unit):
        return fmt.money(value) if unit == "$" else fmt.number(value, 3) + ("%" if unit == "%" else "")
    rows = audit_rows.sort_values("consistent", kind="stable")
    return pd.DataFrame({
        "Check": ["🟢 consistent" if ok else "🔴 inconsistent" for ok in rows["consistent"]],
        "Total": rows["label"], "Plan states": rows["as_written"],
        "Computed": [show(v, u) for v, u in zip(rows["computed"], rows["unit"])],
        "Difference": [show(v, u) for v, u in zip(rows["difference"], rows["unit"])],
        "How": rows["how"]})


def health_sentence(now: Health, snapshot: Health, week: int) -> str:
    """The computed score now, and the plan's stated week-0 score checked against its own week-0 rows."""
    text = f"System health is **{fmt.value(now.computed, 'score')}** (Σ weight × category score)"
    text += "." if week == 0 else f" at plan week {week}, up from {fmt.score(snapshot.computed, 2)} at week 0."
    if not snapshot.consistent:
        text += (f" The plan states **{fmt.score(snapshot.stated, 0)}** for week 0, which its own categories "
                 f"do not support: they give {fmt.score(snapshot.computed, 2)} "
                 f"(a difference of {fmt.score(snapshot.stated - snapshot.computed, 2)} points).")
    if now.target is not None:
        text += f" The week-{now.target[0]} target is {fmt.score(now.target[1], 0)}."
    return text


def status_sentence(data: PlanData) -> str:
    met, total = overall_progress(data)
    risk, reason = risk_status(data)
    pipe, low, high = pipeline(data)
    pipe_text = fmt.money(pipe) if pipe is not None else "no data"
    return (f"**Overall progress:** {met} of {total} milestone targets met (plan week {data.week}/12). "
            f"**Risk status:** {RISK_EMOJI[risk]} {risk} — {reason}. "
            f"**Revenue pipeline:** {pipe_text} against a target of {fmt.money(low)} – {fmt.money(high)} annually.")


def targets_sentence(targets: pd.DataFrame) -> str:
    implied = ", ".join(f"**{fmt.score(t, 2)}** at week {int(w)}"
                        for w, t in zip(targets["due_week"], targets["health_target"]))
    return f"Each category's contribution is its weight × score. The category targets imply a health score of {implied}."


def audit_sentence(audit_rows: pd.DataFrame) -> str:
    bad = int((~audit_rows["consistent"]).sum())
    return (f"Every total the plan states, recomputed from its own week-0 rows: **{bad} of {len(audit_rows)}** "
            "disagree with their components.")
