"""The consistency audit: recompute every total the plan states from its own rows, and list where
two parts of the plan contradict each other.

Each check says what the document states, what its components give, and whether they agree
(PRECISION_RULE). Each contradiction (data/plan/contradictions.csv) names two figures by their
source rows, resolves both from the plan's data and says whether they agree (RELATIONS).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from transforms import fmt
from transforms.model import PlanData, memo
from transforms.table import Table

EXACT_TOLERANCE = 1e-6
# Markdown (a page shows it as written): '\\~' keeps two tildes from reading as strikethrough.
PRECISION_RULE = ("A figure written with \\~ is judged at the precision it is written to: it agrees when the "
                  "computed value lies within half a unit of its last written digit (\\~15% covers 14.5–15.5%, "
                  "\\~1.5M covers 1.45M–1.55M). Every other figure must match exactly.")
_APPROX = re.compile(r"^~\s*\$?\s*\d[\d,]*(?:\.(\d+))?\s*([KMB])?", re.IGNORECASE)
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9}


def tolerance(text_as_written: str, stated: float) -> float:
    """How far a computed value may lie from a stated one and still agree with it (PRECISION_RULE)."""
    match = _APPROX.match(str(text_as_written).strip().lstrip("*").strip())
    if not match:
        return EXACT_TOLERANCE * max(1.0, abs(stated))
    decimals = len(match.group(1) or "")
    return 0.5 * 10.0 ** -decimals * _SCALE.get((match.group(2) or "").upper(), 1.0)


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
    def tolerance(self) -> float:
        return tolerance(self.text_as_written, self.stated)

    @property
    def consistent(self) -> bool:
        return abs(self.stated - self.computed) <= self.tolerance


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
    out.update(_health_pace(plan, total))
    return out


def _plan_weeks(plan) -> int:
    """Weeks from the plan's snapshot to its end (calendar: plan_weeks − snapshot_week; 12)."""
    calendar = plan.get("calendar")
    values = {} if calendar is None else dict(zip(calendar["key"], calendar["value"]))
    return int(values.get("plan_weeks", 12)) - int(values.get("snapshot_week", 0))


def _health_pace(plan, computed_health: float) -> dict[str, tuple[float, str]]:
    """The gain per week the health score needs to reach its target by the end of the plan."""
    stated = plan["stated_totals"].set_index("total_id")["stated_value"]
    if "health_score_target" not in stated or "health_score" not in stated:
        return {}
    target, weeks = float(stated["health_score_target"]), _plan_weeks(plan)
    return {"health_gain_needed_from_stated": ((target - float(stated["health_score"])) / weeks,
                                               f"(target − the stated score) ÷ {weeks} weeks"),
            "health_gain_needed_from_computed": ((target - computed_health) / weeks,
                                                 f"(target − the computed score) ÷ {weeks} weeks")}


def computed_totals(plan: dict[str, pd.DataFrame], latest: dict[str, float]) -> dict[str, tuple[float, str]]:
    """Every total the audit can recompute: total_id → (value, how)."""
    out = {}
    for part in (_revenue(plan), _costs(plan), _security(plan, latest), _compliance(plan, latest),
                 _teams(plan), _coverage(plan, latest), _health(plan, latest)):
        out.update(part)
    return out


@memo
def totals(data: PlanData) -> dict[str, tuple[float, str]]:
    """computed_totals of a bundle, once: the audit, the contradictions and the security scorecards share it."""
    return computed_totals({**data.plan, "targets": data.targets}, data.latest_map())


def consistency_audit(plan: dict[str, pd.DataFrame], latest: dict[str, float],
                      computed: dict[str, tuple[float, str]] | None = None) -> pd.DataFrame:
    """One row per stated total that can be recomputed: stated, computed, difference, consistent.
    `computed`: computed_totals(plan, latest) when the caller has it already (totals)."""
    computed = computed if computed is not None else computed_totals(plan, latest)
    checks = [Check(r.total_id, r.label, float(r.stated_value), computed[r.total_id][0], r.unit,
                    str(r.text_as_written), computed[r.total_id][1])
              for r in plan["stated_totals"].itertuples() if r.total_id in computed]
    return pd.DataFrame({
        "total_id": [c.total_id for c in checks], "label": [c.label for c in checks],
        "stated": [c.stated for c in checks], "computed": [c.computed for c in checks],
        "difference": [c.computed - c.stated for c in checks], "unit": [c.unit for c in checks],
        "as_written": [c.text_as_written for c in checks], "how": [c.how for c in checks],
        "tolerance": [c.tolerance for c in checks], "consistent": [c.consistent for c in checks]})


# --- contradictions between sections of the plan ---------------------------------------------------

RELATIONS = {      # (what A should do for the two to agree, test on a and the list b, given a tolerance)
    "=": ("equal", lambda a, b, tol: all(abs(a - x) <= tol for x in b)),
    "in": ("equal one of", lambda a, b, tol: any(abs(a - x) <= tol for x in b)),
    "<=": ("be at most", lambda a, b, tol: all(a <= x + tol for x in b)),
    "within": ("lie within", lambda a, b, tol: min(b) - tol <= a <= max(b) + tol),
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_HOURS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def _number(value) -> float:
    """A cell as a number: durations such as '4h' or '1d' in hours."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match:
            return float(match.group(1)) * _HOURS[match.group(2)]
    return float(value)


def figure(source: str, plan: dict[str, pd.DataFrame], latest: dict[str, float],
           computed: dict[str, tuple[float, str]]) -> float:
    """One figure named by its source: `<plan table>:<key in its first column>:<column>`,
    `computed:<total_id>` (computed_totals) or `observations:<metric_id>` (the value as of the audit)."""
    table, key, *column = source.strip().split(":")
    if table == "computed":
        return float(computed[key][0])
    if table == "observations":
        return float(latest[key])
    frame = plan[table]
    match = frame[frame[frame.columns[0]].astype(str) == key]
    if match.empty or not column:
        raise KeyError(f"contradictions.csv: no {table} row {key!r} (column {column[:1]})")
    return _number(match.iloc[0][column[0]])


def contradictions(plan: dict[str, pd.DataFrame], latest: dict[str, float],
                   computed: dict[str, tuple[float, str]] | None = None) -> pd.DataFrame:
    """Each listed contradiction with both figures resolved from the plan's rows and whether they agree.

    Columns: contradiction_id, label, a_section, a_as_written, a_value (× a_factor), a_factor,
    relation, b_section, b_as_written, b_values (list), unit, note, consistent."""
    listed = plan["contradictions"]
    computed = computed if computed is not None else computed_totals(plan, latest)
    out = []
    for row in listed.to_dict("records"):
        factor = float(row["a_factor"]) if pd.notna(row["a_factor"]) else 1.0
        a = figure(row["a_source"], plan, latest, computed) * factor
        b = [figure(s, plan, latest, computed) for s in str(row["b_source"]).split("|")]
        _, agrees = RELATIONS[row["relation"]]
        out.append({**{k: row[k] for k in ("contradiction_id", "label", "a_section", "a_as_written", "relation",
                                         "b_section", "b_as_written", "unit", "note")},
                    "a_value": a, "a_factor": factor, "b_values": b,
                    "consistent": bool(agrees(a, b, tolerance(row["a_as_written"], a)))})
    return pd.DataFrame(out)


def _figures_text(values: list[float], unit: str, relation: str) -> str:
    joined = " – " if relation == "within" else " · "
    return joined.join(fmt.value(v, unit) for v in values)


def _a_text(value: float, unit: str, factor: float) -> str:
    return fmt.value(value, unit) + (f" ({fmt.number(factor, 0)} × {fmt.value(value / factor, unit)})" if factor != 1 else "")


def contradiction_table(rows: pd.DataFrame) -> Table:
    """Both figures as written, where each stands in the plan, and what the data gives for each."""
    a_text = [_a_text(v, u, f) for v, u, f in zip(rows["a_value"], rows["unit"], rows["a_factor"])]
    data = pd.DataFrame({
        "Agree?": ["🟢 agree" if ok else "🔴 contradict" for ok in rows["consistent"]],
        "Contradiction": rows["label"],
        "Figure A": rows["a_as_written"], "A stands in": rows["a_section"], "A from the data": a_text,
        "A should": [RELATIONS[r][0] for r in rows["relation"]],
        "Figure B": rows["b_as_written"], "B stands in": rows["b_section"],
        "B from the data": [_figures_text(v, u, r) for v, u, r in zip(rows["b_values"], rows["unit"], rows["relation"])],
        "Why they should agree": rows["note"],
        "contradiction_id": rows["contradiction_id"], "consistent": rows["consistent"],
        "A value": rows["a_value"], "B values": [" | ".join(f"{v:g}" for v in b) for b in rows["b_values"]],
        "unit": rows["unit"]})
    kinds = {"Agree?": "screen", "A from the data": "screen", "B from the data": "screen",
             "contradiction_id": "id", "consistent": "hidden", "A value": "hidden", "B values": "hidden",
             "unit": "hidden"}
    return Table(data, kinds)


def contradiction_lines(rows: pd.DataFrame) -> list[str]:
    """One Markdown bullet per contradiction: both figures as written, where each stands, what the data gives."""
    esc = fmt.md_escape
    lines = []
    for row in rows.to_dict("records"):
        a = _a_text(row["a_value"], row["unit"], row["a_factor"])
        b = _figures_text(row["b_values"], row["unit"], row["relation"])
        mark = "🟢 agree" if row["consistent"] else "🔴 contradict"
        lines.append(f"- {mark} — **{esc(row['label'])}**: {esc(row['a_as_written'])} ({esc(row['a_section'])}; "
                     f"{esc(a)}) should {RELATIONS[row['relation']][0]} {esc(row['b_as_written'])} "
                     f"({esc(row['b_section'])}; {esc(b)}). {esc(row['note'])}")
    return lines


def contradictions_sentence(rows: pd.DataFrame) -> str:
    bad = int((~rows["consistent"]).sum())
    return (f"**{bad} of {len(rows)}** pairs of figures in different parts of the plan contradict each other. "
            "Each figure is read from the plan's own rows (a target, a stated total, a cost or alert row) or "
            "computed from them, so an edited plan is checked again.")
