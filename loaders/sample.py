"""A deterministic 12-week sample history, loaded through the ordinary loader path.

Plan weeks 1–12 (2025-01-13 .. 2025-04-06), one fixed numpy seed: the same bytes every time,
so loading twice is a no-op (same sha256 per file). Each metric moves from its week-0 value
(or, when the plan says "Unknown", from a poor first reading once monitoring starts) toward its
last target; the ones in PARTIAL / LAGGING end short, so the pages show a mix of 🟢🟡🔴.
Done-type metrics complete in steps at plausible weeks. The plan's own schema tables are filled
too: metrics_daily, team_metrics_daily (story points per team per working day) and
compliance_metrics_daily; the metrics they feed are not repeated in the observations file.
Series that other figures must agree with are made consistent (`_consistent`): the scan's critical cells
add up to the daily critical-vulnerability count, and the TCPA and GDPR protection levels follow the
requirements that cover them, so /business, /security and both reports read the same numbers.

Alert behaviour at the last day (2025-04-06) is designed, and pinned by tests/test_sample.py:
- WeeklyTargetsMissed (team_velocity_total < 60 for 7d): the condition holds 2025-01-13 .. 2025-02-13,
  so the rule is pending from 01-13, FIRING from 2025-01-20 and resolved on 2025-02-14 (trailing total
  ≥ 60). A slow Friday (2025-04-04) drops the trailing total to 58 on 04-04, 04-05 and 04-06: at the
  end the rule is PENDING (held 2 days of 7; it would fire on 2025-04-11 if nothing changed).
- test_coverage_decline (test_coverage_overall_pct < 80, for 0s) is FIRING from 2025-01-13 to the end
  (73–74% in the last week).
- Fire early and are resolved at the end (all for 0s): health_score_drop (< 70) 01-13..01-27;
  team_velocity_collapse (< 40) 01-13..02-04; performance_degradation (api_latency_p99_ms > 100)
  01-13..01-29; compliance_violations_detected (> 0) on and off 01-13..02-10;
  security_vulnerabilities_critical (> 0) 01-13..01-23 and again 02-24..02-25;
  build_failure_rate (> 10; derived from team_metrics_daily.build_success_rate by the recording rule,
  never loaded) 01-13..02-02; documentation_coverage_low (< 60, weekly readings, and the
  plan's 10% on 01-12) until 02-23; revenue_pipeline_at_risk (> $1M) 03-04..03-06.
"""
from __future__ import annotations

import tempfile
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from loaders import schema
from loaders.build import PLAN_DIR, read_plan_csv
from loaders.db import connect

SEED = 20250113
START = date(2025, 1, 13)
WEEKS = 12
DAYS = pd.date_range(START, periods=7 * WEEKS, freq="D")
SUNDAYS = DAYS[DAYS.day_of_week == 6]

# End value as a share of the way from start to the final target (1 = there; lower = lagging).
PARTIAL = {
    "revenue_pipeline_monthly_usd": 0.8, "concurrent_users": 0.72, "routing_decision_time_ms": 0.9,
    "documentation_coverage_pct": 0.8, "api_documentation_pct": 0.8, "gdpr_right_to_erasure_pct": 0.7,
    "gdpr_data_portability_pct": 0.55, "tcpa_call_frequency_pct": 0.8, "security_control_monitoring_pct": 0.67,
    "security_control_rbac_pct": 0.85, "websocket_connections": 0.6, "cache_hit_rate_pct": 0.85,
    "compliance_feature_parity_pct": 0.72, "market_share_pct": 0.2, "code_review_coverage_pct": 0.9,
    "event_latency_p99_ms": 0.6, "compliance_feature_time_to_market_days": 0.85,
    "test_coverage_unit_overall": 0.85, "test_coverage_integration_overall": 0.65, "test_coverage_e2e_overall": 0.4,
    "revenue_stream_premium_compliance_features": 0.85, "revenue_stream_api_usage_monetization": 0.7,
    "protection_operational_inefficiency": 0.8,
}
# Metrics added after the sample was first published draw from a generator of their own (seeded from
# their id), so adding one never shifts the values of the series before it: pages, tests and issues
# quote those values. Prefixes of such metrics:
OWN_STREAM = ("revenue_stream_", "protection_", "state_law_")
# Derived by a recording rule from team_metrics_daily (transforms/recording.py), so the sample does not
# load it: the plan's "Build failure rate > 10%" alert then fires from the plan's own upload tables.
DERIVED = ("build_failure_rate_pct",)
# Per-team integration and e2e coverage lag behind unit coverage.
LEVEL_SHARE = {"integration": 0.8, "e2e": 0.6}
LAGGING_TEAMS = ("_compliance", "_financial")
# Done-type metrics that are not finished by week 12: their last completion %.
UNFINISHED = {"all_slas_met": 75, "payment_processing_live": 100, "realtime_bidding_live": 100}
# Counts that end above an "= 0" or "< n" target.
STUCK = {"static_analysis_critical_issues": 2, "vuln_dependency_high": 7, "vuln_configuration_medium": 6}
# First plausible reading of a metric the plan calls "Unknown", as a multiple of its target.
FIRST_READING = {"lower_better": 4.0, "higher_better": 0.3}
FIRST_READING_PCT = {"system_uptime_pct": 99.0, "financial_service_accuracy_pct": 98.6,
                     "cache_hit_rate_pct": 40.0, "db_pool_efficiency_pct": 60.0,
                     "memory_usage_under_load_pct": 95.0, "violation_prevention_pct": 70.0,
                     "customer_retention_pct": 84.0, "compliance_violation_rate_pct": 1.2}
TEAM_UTILISATION = [0.05, 0.2, 0.45, 0.7, 0.84, 0.93, 0.95, 0.95, 0.96, 0.95, 0.96]   # weeks 1–11
# Checklist figures the app computes (transforms.phases.computed_values): the sample never uploads them.
COMPUTED_BY_THE_APP = {"all_slas_met"}
# Metrics the registry no longer holds, whose draws the sample still takes at their old place so every later
# sample value stays what it was. test_coverage_unit_overall was the same KPI as test_coverage_overall_pct
# (the plan's 'Overall' unit-test coverage and its headline 'Test Coverage', both 15%): one metric now.
RETIRED = {"test_coverage_unit_overall": dict(
    before="test_coverage_integration_overall", baseline=15.0,
    meta=dict(metric_id="test_coverage_unit_overall", unit="%", direction="higher_better", freshness_days=1),
    targets=dict(target_id=136, metric_id="test_coverage_unit_overall", due_week=12, op=">=", value=90.0))}
CATEGORY_END = {"security_score": 93, "compliance_score": 96, "performance_score": 98,
                "business_value_score": 82, "operational_score": 96}


def _with_retired(records: list[dict]) -> list[dict]:
    out = []
    for meta in records:
        out += [r["meta"] for r in RETIRED.values() if r["before"] == meta["metric_id"]] + [meta]
    return out


def _wide_metric_ids(registry: pd.DataFrame) -> set[str]:
    ids = set()
    for table in (schema.METRICS_DAILY, schema.COMPLIANCE_METRICS_DAILY):
        ids |= set(table.wide_metrics.values())
    prefixes = tuple(f"{p}_" for p in schema.TEAM_COLUMN_METRICS.values())
    return ids | {m for m in registry["metric_id"] if m.startswith(prefixes)
                  and not m.startswith(("test_coverage_unit_overall",))}


def _ease(days: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """0 before t0, 1 after t1, an ease-out curve between (fast early progress, then levelling)."""
    s = np.clip((days - t0) / max(t1 - t0, 1.0), 0.0, 1.0)
    return 1.0 - (1.0 - s) ** 2


def _final_target(targets: pd.DataFrame) -> tuple[str, float | None, int | None]:
    """The last target of a metric within the plan (standing targets count as week 12)."""
    due = targets["due_week"].fillna(12)
    within = targets[due <= 12] if (due <= 12).any() else targets.loc[[due.idxmin()]]
    last = within.assign(_due=due).sort_values(["_due", "target_id"]).iloc[-1]
    return last["op"], (None if pd.isna(last["value"]) else float(last["value"])), int(last["_due"])


def _goal(op: str, target: float, unit: str, direction: str) -> float:
    """A value that meets the target with a plausible margin."""
    if op in ("<", "<="):
        return 0.0 if target == 0 else target * 0.8
    if op == "=":
        return target
    if unit == "%" or unit == "score":
        if target >= 100:
            return 100.0
        return target + (100.0 - target) * 0.5 if target >= 90 else min(100.0, target * 1.1)
    return target * 1.08


def _continuous(meta, targets: pd.DataFrame, baseline, rng) -> pd.Series | None:
    unit, direction, metric_id = meta["unit"], meta["direction"], meta["metric_id"]
    if targets.empty:
        return None
    op, target, due = _final_target(targets)
    first_due = int(targets["due_week"].min()) if targets["due_week"].notna().any() else 12
    goal = float(STUCK.get(metric_id, _goal(op, target, unit, direction)))
    if baseline is None:
        start_week = 1 + int(rng.integers(0, 3))
        start = FIRST_READING_PCT.get(metric_id)
        if start is None:
            start = (target * FIRST_READING[direction] if target else 4.0) if direction == "lower_better" \
                else target * FIRST_READING["higher_better"]
    else:
        start_week, start = 1, float(baseline)
    level = metric_id.split("_")[2] if metric_id.startswith("test_coverage_") and metric_id.endswith(LAGGING_TEAMS) else ""
    share = PARTIAL.get(metric_id, LEVEL_SHARE.get(level, 1.0))
    end = start + (goal - start) * share
    reach_week = 12 if share < 1 or metric_id in STUCK else min(11, max(first_due + 1, 3 + int(rng.integers(0, 6))))
    t = np.arange(len(DAYS), dtype=float)
    t0 = 7.0 * (start_week - 1)
    path = start + (end - start) * _ease(t, t0, 7.0 * reach_week - 1)
    noise_scale = 0.02 * abs(end - start) if unit != "%" or end < 99 else 0.0
    path = path + rng.normal(0.0, noise_scale, len(t)) * (t < 7.0 * reach_week - 1)
    series = pd.Series(path, index=DAYS)[DAYS >= DAYS[0] + pd.Timedelta(days=t0)]
    if unit in ("%", "score"):
        series = series.clip(0.0, 100.0)
    if unit in ("count", "per_sec", "$", "$/month", "ms", "days", "h"):
        series = series.clip(lower=0.0)
    if unit in ("count", "days", "h"):
        series = series.round()
    return series


def _done(meta, targets: pd.DataFrame, rng) -> pd.Series:
    metric_id = meta["metric_id"]
    due = int(targets["due_week"].min()) if len(targets) and targets["due_week"].notna().any() else None
    if metric_id.startswith("formation_"):
        early = metric_id.split("_")[1] in ("security", "compliance") or metric_id.endswith("_lead")
        due = 1 if early else 2 + int(metric_id.endswith("_first_sprint"))
    complete_week = due if due is not None else 4 + int(rng.integers(0, 6))
    complete_week = min(WEEKS, complete_week + int(rng.integers(0, 2)))
    weeks = np.arange(1, WEEKS + 1)
    steps = np.clip((weeks - (complete_week - 3)) / 3.0, 0.0, 1.0) * 100.0
    steps = np.floor(steps / 25.0) * 25.0
    steps = np.minimum(steps, UNFINISHED.get(metric_id, 100.0))
    # one reading a day (the week's state), so a 1-day freshness window never sees a gap
    return pd.Series(np.repeat(steps, 7), index=DAYS)


def _team_points(teams: pd.DataFrame) -> pd.DataFrame:
    """Story points completed per team per working day: weekly velocity ramps toward capacity,
    split evenly over Monday–Friday; week 12 has a slow Friday (see the module docstring)."""
    rows = []
    for team in teams.itertuples():
        for week in range(1, WEEKS + 1):
            util = TEAM_UTILISATION[week - 1] if week <= len(TEAM_UTILISATION) else 0.9
            bump = {"Security": 0.01, "Compliance": 0.02, "Infrastructure": -0.01,
                    "Financial": 0.0, "Integration": 0.02}.get(team.team, 0.0) * (week % 3 - 1)
            points = int(round(team.capacity_points * min(1.0, util + bump)))
            daily = [points // 5 + (1 if i < points % 5 else 0) for i in range(5)]
            if week == WEEKS:
                daily[4] = 1          # the slow Friday that leaves WeeklyTargetsMissed pending
            monday = START + pd.Timedelta(days=7 * (week - 1))
            for i in range(7):
                rows.append((monday + pd.Timedelta(days=i), team.team, daily[i] if i < 5 else 0,
                             round(team.capacity_points / 5) if i < 5 else 0))
    frame = pd.DataFrame(rows, columns=["date", "team_name", "story_points_completed", "story_points_planned"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def generate(plan_dir: Path = PLAN_DIR) -> dict[str, pd.DataFrame]:
    """The sample as four frames, one per table: observations, metrics_daily, team_metrics_daily,
    compliance_metrics_daily. Pure and deterministic."""
    rng = np.random.default_rng(SEED)
    registry = read_plan_csv("metrics", plan_dir)
    targets = read_plan_csv("targets", plan_dir)
    baseline = dict(read_plan_csv("observations", plan_dir)[["metric_id", "value"]].values)
    teams = read_plan_csv("teams", plan_dir)
    wide = _wide_metric_ids(registry)
    t = np.arange(len(DAYS), dtype=float)

    obs = []
    for meta in _with_retired(registry.to_dict("records")):
        metric_id = meta["metric_id"]
        if metric_id in wide or metric_id in CATEGORY_END or metric_id == "overall_health_score":
            continue
        if metric_id in DERIVED:
            rng.normal(0.0, 0.8, len(t))      # the draw its loaded series used to take: later series keep their values
            continue
        mine = targets[targets["metric_id"] == metric_id]
        if metric_id in RETIRED:
            mine, baseline[metric_id] = pd.DataFrame([RETIRED[metric_id]["targets"]]), RETIRED[metric_id]["baseline"]
        gen = _own_stream(metric_id) or rng
        if meta["unit"] == "done":
            series = _done(meta, mine, gen)
        else:
            series = _continuous(meta, mine, baseline.get(metric_id), gen)
        if series is None:
            series = _untargeted(metric_id, t, gen)
        if series is None or metric_id in COMPUTED_BY_THE_APP or metric_id in RETIRED:   # drawn all the same: every later draw,
            continue                                                # so every other sample value, stays as it was
        if meta["unit"] != "done" and (meta["freshness_days"] or 1) > 1:
            series = series[series.index.isin(SUNDAYS)]
        obs.append(pd.DataFrame({"metric_id": metric_id, "as_of": series.index, "value": series.values}))
    obs.append(_team_award_inputs(teams))
    observations = pd.concat(obs, ignore_index=True)
    observations["value"] = observations["value"].round(4)

    team = _team_points(teams)
    team["velocity_percentage"] = (team["story_points_completed"] / team["story_points_planned"].where(
        team["story_points_planned"] > 0) * 100).round(2)
    coverage_end = {"Security": 91, "Compliance": 88, "Infrastructure": 86, "Financial": 84, "Integration": 82}
    day = (team["date"] - pd.Timestamp(START)).dt.days.to_numpy(dtype=float)
    team["test_coverage"] = (team["team_name"].map(coverage_end).to_numpy() * _ease(day, 0, 70)
                             + rng.normal(0, 0.6, len(team))).clip(0, 100).round(2)
    team["build_success_rate"] = (80 + 17 * _ease(day, 0, 56) + rng.normal(0, 1.0, len(team))).clip(0, 100).round(2)

    totals = team.groupby("date")["story_points_completed"].sum().reindex(DAYS, fill_value=0)
    trailing = totals.rolling(7, min_periods=1).sum()

    cats = {}
    for metric_id, end in CATEGORY_END.items():
        start = baseline[metric_id]
        cats[metric_id] = np.round(start + (end - start) * _ease(t, 0, 70) + rng.normal(0, 0.8, len(t))
                                   * (t < 70)).clip(0, 100)
    weights = registry.dropna(subset=["weight"]).set_index("metric_id")["weight"]
    health = sum(cats[m] * weights[m] for m in CATEGORY_END)
    # metrics_daily has no operational_score column (the plan's SQL omits it): it goes in the long file
    observations = pd.concat([observations, pd.DataFrame(
        {"metric_id": "operational_score", "as_of": DAYS, "value": cats["operational_score"]})], ignore_index=True)

    tcpa = rng.poisson(np.maximum(0.0, 2.5 * (1 - t / 28)))
    gdpr = rng.poisson(np.maximum(0.0, 0.8 * (1 - t / 35)))
    critical = np.round(4 * (1 - _ease(t, 0, 16))).astype(int)
    critical[(DAYS >= "2025-02-24") & (DAYS <= "2025-02-25")] = 1        # a regression, fixed in two days
    metrics_daily = pd.DataFrame({
        "date": DAYS, "overall_health_score": np.round(health).astype(int),
        **{m: cats[m].astype(int) for m in CATEGORY_END},
        "team_velocity_total": trailing.to_numpy().astype(int),
        "revenue_pipeline_amount": (5_900_000 * _ease(t, 7, 83) + rng.normal(0, 40_000, len(t)) * (t > 7))
        .clip(0).round(2),
        "critical_vulnerabilities": critical,
        "compliance_violations": tcpa + gdpr,
        "api_latency_p99": (180 - 140 * _ease(t, 0, 49) + rng.normal(0, 2.0, len(t))).round(2),
        "test_coverage_percentage": (15 + 59 * _ease(t, 0, 83) + rng.normal(0, 0.3, len(t))).clip(0, 100).round(2),
        "uptime_percentage": (0.990 + 0.0096 * _ease(t, 0, 70)).round(4),
    })
    compliance = pd.DataFrame({
        "date": DAYS, "tcpa_violations": tcpa, "gdpr_violations": gdpr,
        "dnc_list_sync_status": DAYS >= "2025-01-22",
        "consent_coverage_percentage": (100 * _ease(t, 0, 18)).round(2),
        "audit_trail_completeness": (100 * _ease(t, 0, 12)).round(2),
    })
    observations = _consistent(observations, critical, plan_dir)
    team = team[[c.name for c in schema.TEAM_METRICS_DAILY.columns]]
    return {"observations": observations, "metrics_daily": metrics_daily[[c.name for c in schema.METRICS_DAILY.columns]],
            "team_metrics_daily": team, "compliance_metrics_daily": compliance}


def _own_stream(metric_id: str):
    if metric_id.startswith(OWN_STREAM):
        return np.random.default_rng([SEED, zlib.crc32(metric_id.encode())])
    return None


# Critical findings of the scan by category, filled in this order as the daily count rises (the regression
# of 24–25 Feb is a configuration issue): the categories always add up to metrics_daily's count, so every
# page and both reports read one number.
CRITICAL_ORDER = ("vuln_auth_bypass_critical", "vuln_sql_injection_critical", "vuln_xss_critical",
                  "vuln_dependency_critical")
REGRESSION_CELL = "vuln_configuration_critical"


def _consistent(observations: pd.DataFrame, critical: np.ndarray, plan_dir: Path) -> pd.DataFrame:
    """Series that must agree with others: the scan's critical cells sum to the daily critical count,
    and the protection of a cost-avoidance risk that the risk matrix also covers (TCPA, GDPR) follows
    the requirements covering it (data/plan/compliance_risk_coverage.csv), holding the plan's week-0
    protection until the requirements pass it (GDPR: 20% stated, its requirements start at 15%)."""
    regression = (DAYS >= "2025-02-24") & (DAYS <= "2025-02-25")
    cells = {m: np.zeros(len(DAYS)) for m in (*CRITICAL_ORDER, REGRESSION_CELL)}
    for day, count in enumerate(critical):
        for m in ((REGRESSION_CELL,) if regression[day] else CRITICAL_ORDER[:count]):
            cells[m][day] = 1.0
    derived = [pd.DataFrame({"metric_id": m, "as_of": DAYS, "value": v}) for m, v in cells.items()]

    risks = read_plan_csv("compliance_risks", plan_dir).dropna(subset=["cost_risk_id"])
    coverage = read_plan_csv("compliance_risk_coverage", plan_dir)
    week0 = read_plan_csv("cost_avoidance", plan_dir).set_index("risk_id")["current_protection"]
    wide = observations.pivot_table(index="as_of", columns="metric_id", values="value")
    for risk in risks.itertuples():
        reqs = coverage.loc[coverage["violation_type"] == risk.violation_type, "metric_id"]
        mean = wide[list(reqs)].dropna().mean(axis=1)
        derived.append(pd.DataFrame({"metric_id": f"protection_{risk.cost_risk_id}", "as_of": mean.index,
                                     "value": mean.clip(lower=week0[risk.cost_risk_id]).round(4).to_numpy()}))
    replaced = set().union(*(set(d["metric_id"]) for d in derived))
    kept = observations[~observations["metric_id"].isin(replaced)]
    return pd.concat([kept, *derived], ignore_index=True)


# Weekly cross-team integrations and business value per team (Integration Masters, Customer Impact): teams
# start delivering in week 3; Integration leads on integrations, Financial and Compliance on business value.
INTEGRATION_RATE = {"Security": 1.0, "Compliance": 1.2, "Infrastructure": 1.6, "Financial": 0.8, "Integration": 2.4}
VALUE_SCALE = {"Security": 60_000, "Compliance": 140_000, "Infrastructure": 50_000, "Financial": 180_000,
               "Integration": 90_000}


def _team_award_inputs(teams: pd.DataFrame) -> pd.DataFrame:
    """team_integrations_<team> and team_business_value_<team>, one figure per team each Sunday (the week's
    total, 0 in a week without any). Their own random stream: the other sample values do not move."""
    rng = np.random.default_rng(SEED + 11)
    ramp = np.clip((np.arange(1, WEEKS + 1) - 2) / 4.0, 0.0, 1.0)            # 0 in weeks 1–2, full from week 6
    rows = []
    for team in teams["team"]:
        integrations = rng.poisson(INTEGRATION_RATE.get(team, 1.0) * ramp)
        value = np.round(VALUE_SCALE.get(team, 80_000) * ramp * rng.gamma(2.0, 0.5, WEEKS) * (rng.random(WEEKS) < 0.8), -3)
        for prefix, figures in (("team_integrations_", integrations), ("team_business_value_", value)):
            rows.append(pd.DataFrame({"metric_id": f"{prefix}{team.lower()}", "as_of": SUNDAYS, "value": figures.astype(float)}))
    return pd.concat(rows, ignore_index=True)


def _untargeted(metric_id: str, t: np.ndarray, rng) -> pd.Series | None:
    """Metrics the plan gives no target: a plausible path that drives one alert each."""
    if metric_id == "revenue_pipeline_at_risk_usd":
        values = np.abs(rng.normal(150_000, 60_000, len(t)))
        values[(DAYS >= "2025-03-04") & (DAYS <= "2025-03-06")] = [1_250_000, 1_400_000, 1_100_000]
        return pd.Series(values.round(-3), index=DAYS)
    if metric_id == "state_law_violations_per_day":       # a few early on, none once consent and DNC checks hold
        return pd.Series(rng.poisson(np.maximum(0.0, 1.2 * (1 - t / 24))).astype(float), index=DAYS)
    if metric_id.startswith("vuln_"):        # severities the plan accepts at any count ("Any")
        return pd.Series(rng.poisson(np.maximum(0.5, 6 * (1 - t / 60))).astype(float), index=DAYS)
    return None


# --- loading through the ordinary path ---------------------------------------------------

FILES = {"observations": "sample_observations.csv", "metrics_daily": "sample_metrics_daily.csv",
         "team_metrics_daily": "sample_team_metrics_daily.csv",
         "compliance_metrics_daily": "sample_compliance_metrics_daily.csv"}


def write_files(directory: Path) -> dict[str, Path]:
    """The sample as CSV files (byte-for-byte the same on every run)."""
    paths = {}
    for table, frame in generate().items():
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                out[col] = out[col].dt.strftime("%Y-%m-%d")
        path = Path(directory) / FILES[table]
        out.to_csv(path, index=False, lineterminator="\n")
        paths[table] = path
    return paths


def load_sample(db: Path | None = None, *, actor=None) -> str:
    """Load the sample as one batch per table (kind 'sample'), as `actor` (an admin; loaders/access.py).
    Loading it again changes nothing."""
    from loaders import access, load
    actor = access.require(actor, "sample")
    results = []
    with tempfile.TemporaryDirectory(prefix="dce_sample_") as tmp:
        for table, path in write_files(Path(tmp)).items():
            prepared = load.prepare(path, table, db=db)
            results.append(load.commit(prepared, kind="sample", actor=actor, db=db))
    batches = ", ".join(str(r.batch_id) for r in results)
    rows = sum(r.rows for r in results)
    if all(r.noop for r in results):
        return f"sample history already loaded (batches {batches}); nothing changed"
    return (f"loaded the sample history: {rows:,} rows in {len(results)} batches ({batches}), "
            f"plan weeks 1–{WEEKS} ({DAYS[0]:%Y-%m-%d} .. {DAYS[-1]:%Y-%m-%d})")


def remove_sample(db: Path | None = None, *, actor=None) -> str:
    """Roll back every active sample batch (an admin's action)."""
    from loaders import access, load, queries
    actor = access.require(actor, "sample")
    with connect(db) as con:
        batch_ids = queries.sample_batches(con)
    if not batch_ids:
        return "no sample history is loaded; nothing to remove"
    for batch_id in batch_ids:
        load.rollback(batch_id, db=db, actor=actor)
    return f"removed the sample history: rolled back {len(batch_ids)} batches ({', '.join(map(str, batch_ids))})"
