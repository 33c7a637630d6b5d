"""The plan's two weekly reports (Executive Summary, Technical Team Report), filled from the model.

Building is pure: `build(kind, inputs)` turns PlanData for the chosen week and the week before,
plus the observation history, into a `Report` (sections of paragraphs, lists and tables), which
renders to Markdown or to a standalone, fully escaped HTML page. A figure the data does not hold
is written as "no data", never invented.

The command line (`python -m loaders report --week N [--kind executive|technical]`) reads the plan
bundle through loaders/bundle.py, the same reader the pages use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from transforms import alerts, business, fmt, overview, recording, security, status
from transforms.calendar import PLAN_WEEKS, week_end, week_start
from transforms.document import Report, Section, to_html, to_markdown  # noqa: F401 - the report API
from transforms.model import PlanData, target_rows

KINDS = ("executive", "technical")
NO_DATA = "no data"
ARROWS = {1: "↗️", -1: "↘️", 0: "→"}
MAX_ITEMS = 8


@dataclass
class Inputs:
    now: PlanData                  # as of the chosen week
    prev: PlanData                 # as of the week before
    history: pd.DataFrame          # metric_id, as_of, value (daily; every metric)
    evaluate: Callable | None = None   # at -> alerts.Evaluation, when the caller caches evaluations

    @property
    def week(self) -> int:
        return self.now.week

    @property
    def at(self) -> pd.Timestamp | None:
        """The report's evaluation day: the week's last day, or the newest observation if earlier."""
        return alerts.evaluation_day(self.now)


# --- figures ----------------------------------------------------------------------------------------

def _evaluation(inp: Inputs, at=None) -> alerts.Evaluation:
    at = inp.at if at is None else at
    if inp.evaluate is not None:
        return inp.evaluate(at)
    return alerts.evaluate(inp.now.plan["alert_rules"], inp.history, inp.now.registry, at)


def _trend(now, before) -> str:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return NO_DATA
    return ARROWS[(now > before) - (now < before)]


def _velocity_week(inp: Inputs) -> pd.DataFrame:
    weeks = recording.velocity_by_week(inp.history[pd.to_datetime(inp.history["as_of"]) <= (inp.at or pd.Timestamp.max)],
                                       inp.now.registry, inp.now.start)
    return weeks[weeks["week"] == inp.week]


def _stated(data: PlanData, total_id: str):
    return data.plan["stated_totals"].set_index("total_id")["stated_value"].get(total_id)


def _label(data: PlanData, metric_id: str) -> str:
    return str(data.registry.set_index("metric_id")["label"].get(metric_id, metric_id))


def _value(data: PlanData, metric_id: str) -> str:
    unit = data.registry.set_index("metric_id")["unit"].get(metric_id)
    return fmt.value(data.value(metric_id), unit)


def transitions(inp: Inputs) -> list[str]:
    """Health categories whose status changed since last week: 'Compliance moved from 🔴 to 🟡'."""
    now = target_rows(inp.now, "health_category", in_force=True).set_index("metric_id")
    before = target_rows(inp.prev, "health_category", in_force=True).set_index("metric_id")
    out = []
    for metric_id, row in now.iterrows():
        old = before["status"].get(metric_id)
        if old is not None and old != row["status"]:
            out.append(f"{row['label']} moved from {status.EMOJI[old]} to {status.EMOJI[row['status']]} "
                       f"({_value(inp.prev, metric_id)} → {_value(inp.now, metric_id)}, target {row['text_as_written']})")
    return out


def newly_met(inp: Inputs) -> pd.DataFrame:
    """Targets met at the end of this week that were not met at the end of last week."""
    now, before = target_rows(inp.now), target_rows(inp.prev).set_index("target_id")["status"]
    rows = now[(now["status"] == status.MET) & (now["target_id"].map(before) != status.MET)
               & (now["section"] != "health_category")]     # categories are reported as transitions
    return rows.drop_duplicates(["metric_id", "op", "target"])


def due_next(inp: Inputs) -> pd.DataFrame:
    """Targets due next week and not met yet, worst first."""
    rows = target_rows(inp.now)
    rows = rows[(rows["due_week"] == inp.week + 1) & (rows["status"] != status.MET)]
    return rows.assign(_o=rows["status"].map(status.ORDER)).sort_values(["_o", "target_id"]).drop(
        columns="_o").drop_duplicates(["metric_id", "op", "target"])


def due_this_week(inp: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(met, missed): the targets that fall due in the report's own week, judged on the data at its end.
    A target stated in several tables of the plan (same metric, operator and value) counts once."""
    rows = target_rows(inp.now)
    rows = rows[rows["due_week"] == inp.week].drop_duplicates(["metric_id", "op", "target"])
    met = rows["status"] == status.MET
    return rows[met], rows[~met].assign(_o=rows["status"].map(status.ORDER)).sort_values(
        ["_o", "target_id"]).drop(columns="_o")


def _target_line(r) -> str:
    return f"{r.label} — {r.status_badge} ({r.current}, target {r.text_as_written})"


def due_blocks(inp: Inputs) -> list[tuple[str, object]]:
    """The report blocks listing the targets due this week, missed first, each with its value."""
    met, missed = due_this_week(inp)
    if not len(met) and not len(missed):
        return [("p", f"No target falls due in week {inp.week}.")]
    lines = lambda rows, what: _more([_target_line(r) for r in rows.head(MAX_ITEMS).itertuples()],   # noqa: E731
                                     len(rows), what) or ["None."]
    return [("p", f"**Missed ({len(missed)})**"), ("ul", lines(missed, "targets missed")),
            ("p", f"**Met ({len(met)})**"), ("ul", lines(met, "targets met"))]


def _week_rows(inp: Inputs) -> pd.DataFrame:
    """The history within the report's plan week, up to its evaluation day."""
    if inp.at is None or inp.history.empty:
        return inp.history.iloc[0:0]
    days = pd.to_datetime(inp.history["as_of"])
    first = pd.Timestamp(week_start(inp.week, inp.now.start)) if inp.week > 0 else days.min()
    return inp.history[(days >= first) & (days <= inp.at)]


def violation_exposure(inp: Inputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(latest day, this week): violations observed × the plan's per-violation cost range, per violation
    type that has both a cost per violation and a count metric (TCPA, state law)."""
    risks = inp.now.plan["compliance_risks"]
    latest = inp.now.latest_map()
    week = _week_rows(inp).groupby("metric_id")["value"].sum().to_dict()
    return security.violation_exposure(risks, latest), security.violation_exposure(risks, week)


def _exposure_text(frame: pd.DataFrame) -> str:
    """"2 TCPA violations × $500–$1.5K = **$1K–$3K**", or "none" (a type without data is left out)."""
    seen = frame[frame["violations"].fillna(0) > 0]
    if seen.empty:
        return "none" if frame["violations"].notna().any() else NO_DATA
    parts = [f"{fmt.number(r.violations, 0)} {r.violation_type.removesuffix(' violations')} violation"
             f"{'s' if r.violations != 1 else ''} × {fmt.money(r.cost_low)}–{fmt.money(r.cost_high)}"
             for r in seen.itertuples()]
    return " + ".join(parts) + f" = **{fmt.money(seen['low'].sum())}–{fmt.money(seen['high'].sum())}**"


def sprint_completion(inp: Inputs) -> str:
    """"93% (61 of 65 planned story points)", from team_metrics_daily's completed and planned points."""
    history = inp.history[pd.to_datetime(inp.history["as_of"]) <= (inp.at or pd.Timestamp.max)]
    weeks = recording.sprint_completion(history, inp.now.registry, inp.now.start)
    row = weeks[weeks["week"] == inp.week]
    if row.empty or pd.isna(row["pct"].iloc[0]):
        return f"{NO_DATA} (no planned story points this week)"
    r = row.iloc[0]
    return (f"{fmt.pct(r['pct'], 0)} ({fmt.number(r['completed'], 0)} completed of {fmt.number(r['planned'], 0)} "
            "planned story points)")


def build_failure(inp: Inputs) -> float | None:
    """The build failure rate on the report's day: 100 − the teams' mean build success (recording rule)."""
    if inp.at is None:
        return None
    rate = recording.build_failure_daily(inp.history[pd.to_datetime(inp.history["as_of"]) <= inp.at],
                                         inp.now.registry)
    return None if rate.empty else float(rate["value"].iloc[-1])


def overdue(inp: Inputs) -> pd.DataFrame:
    """Targets whose due week has passed and that are still not met, oldest first."""
    rows = target_rows(inp.now)
    rows = rows[(rows["due_week"] < inp.week) & (rows["status"] != status.MET)]
    return (rows.sort_values(["due_week", "target_id"]).drop_duplicates("metric_id", keep="last")
            .sort_values(["due_week", "target_id"]))


SECTION_NAMES = {"phase1_week1": "Phase 1, week 1 milestones", "phase1_week2": "Phase 1, week 2 milestones",
                 "phase1_week3": "Phase 1, week 3 milestones", "phase2_business": "Phase 2 business value",
                 "phase2_performance": "Phase 2 performance", "phase3_final": "Phase 3 final criteria"}


def _more(items: list[str], total: int, what: str) -> list[str]:
    return items + ([f"… and {total - len(items)} more {what}"] if total > len(items) else [])


def _alert_lines(inp: Inputs, ev: alerts.Evaluation, severity: str | None = None) -> list[str]:
    data = inp.now
    active = alerts.active_table(ev, data.plan["alert_rules"], data.registry, data.plan["contacts"], data.plan["teams"])
    shown, raw = active.display(), active.data
    keep = (raw["State"] == alerts.FIRING) & ((raw["Severity"] == severity.title()) if severity else True)
    return [f"**{r['Alert']}** ({s.lower()}): {r['Metric']} {r['Value']} against {r['Threshold']}, "
            f"firing since {r['Since']}; respond within {r['Respond within']}; escalates to {r['Escalates to']}"
            for (_, r), s in zip(shown[keep].iterrows(), raw.loc[keep, "Severity"])]


# --- the two reports -------------------------------------------------------------------------------

def _header(inp: Inputs, title: str) -> tuple[str, str]:
    start, end = week_start(inp.week, inp.now.start), week_end(inp.week, inp.now.start)
    through = f"data through {pd.Timestamp(inp.at):%d %b %Y}" if inp.at is not None else "no observations yet"
    span = f"{start:%a %d %b} – {end:%a %d %b %Y}" if inp.week > 0 else f"before the plan starts ({end:%d %b %Y})"
    return f"{title} - Week {inp.week}", f"Plan week {inp.week} of {PLAN_WEEKS} ({span}); {through}."


def executive(inp: Inputs) -> Report:
    data, prev = inp.now, inp.prev
    ev = _evaluation(inp)
    met, total = overview.overall_progress(data)
    velocity = _velocity_week(inp)
    points = velocity[velocity["metric_id"] == recording.VELOCITY_TOTAL_ID]
    capacity = _stated(data, "velocity_total_max")
    pts = (f"{fmt.number(points['points'].iloc[0], 0)}/{fmt.number(capacity, 0)} story points this week"
           if len(points) else f"{NO_DATA} on story points this week")
    h_now, h_prev = overview.health(data).computed, overview.health(prev).computed
    change = ("no earlier week to compare with" if inp.week == 0 else
              f"{h_now - h_prev:+.1f} points since week {inp.week - 1}" if not (pd.isna(h_now) or pd.isna(h_prev))
              else f"change since week {inp.week - 1}: {NO_DATA}")
    critical = _alert_lines(inp, ev, "critical")
    issues, untracked = critical_issues(inp, critical)
    pipeline, low, high = overview.pipeline(data)
    summary = Section("🎯 Executive Summary").add("ul", [
        f"**Overall Progress**: {fmt.pct(met / total * 100 if total else 0, 0)} complete ({met} of {total} "
        f"milestone targets met; {pts})",
        f"**System Health Score**: {fmt.score(h_prev)}/100 → {fmt.score(h_now)}/100 ({change}; target: +3 points/week)",
        f"**Critical Blockers**: {len(issues)} issue{'s' if len(issues) != 1 else ''} requiring executive intervention"
        + (" (listed below)" if issues else "") + f"; {len(critical)} critical alert{'s' if len(critical) != 1 else ''} firing",
        f"**Revenue Pipeline**: {fmt.money(pipeline) if pipeline is not None else NO_DATA} identified "
        f"(target: {fmt.money(low)} – {fmt.money(high)} annually)"])

    issue_section = Section("🚨 Critical Issues Requiring Action").add(
        "ol", issues or ["No critical issue at the end of the week: no critical alert firing, no target due this "
                         "week missed, no team without its engineers, no violation, no critical vulnerability."])
    if untracked:
        issue_section.add("p", "Not in the data, so not judged: " + "; ".join(untracked) + ".")

    due_section = Section(f"🎯 Targets Due in Week {inp.week}", due_blocks(inp))

    wins = Section("📈 Key Achievements This Week")
    met_rows = newly_met(inp)
    items = transitions(inp) + _more([f"{r.label}: met ({r.current}, target {r.text_as_written})"
                                      for r in met_rows.head(MAX_ITEMS).itertuples()], len(met_rows), "targets met")
    resolved = ev.episodes[(ev.episodes["state"] == alerts.RESOLVED) & ev.episodes["end"].notna()
                           & (ev.episodes["end"] > ev.at - pd.Timedelta(days=7)) & (ev.episodes["kind"] == "threshold")] \
        if ev.at is not None else ev.episodes.iloc[0:0]
    items += [f"Alert resolved: {r.name} (cleared {r.end:%d %b})" for r in resolved.itertuples()]
    wins.add("ul", items or ["No target newly met and no status change this week."])

    dashboard = Section("📊 Metrics Dashboard")
    cats = target_rows(data, "health_category", in_force=True)
    before = prev.latest_map()
    rows = [{"Category": r.label, "Current": fmt.value(r.value, "score"),
             "Target": f"{r.text_as_written} (week {int(r.due_week)})", "Status": r.status_badge,
             "Trend": _trend(r.value, before.get(r.metric_id))} for r in cats.itertuples()]
    rows.append({"Category": "Revenue pipeline", "Current": fmt.money(pipeline) if pipeline is not None else NO_DATA,
                 "Target": f"{fmt.money(low)} – {fmt.money(high)} annually", "Status": "",
                 "Trend": _trend(pipeline, before.get(recording.PIPELINE_ID))})
    dashboard.add("table", pd.DataFrame(rows))

    nxt = Section("🔮 Next Week Priorities")
    due = due_next(inp)
    items = _more([f"{r.label} — {r.status_badge} ({r.current}, target {r.text_as_written})"
                   for r in due.head(MAX_ITEMS).itertuples()], len(due), "targets due")
    nxt.add("ol", items or [f"No target is due in week {inp.week + 1}."])
    late = overdue(inp)
    if len(late):
        nxt.add("p", f"**Overdue and not met ({len(late)})**: " + "; ".join(
            f"{r.label} ({r.current}, target {r.text_as_written}, due week {int(r.due_week)})"
            for r in late.head(MAX_ITEMS).itertuples()) + ("; …" if len(late) > MAX_ITEMS else ""))

    money = Section("💰 Financial Impact")
    growth = recording.pipeline_growth(inp.history[pd.to_datetime(inp.history["as_of"]) <= inp.at]) \
        if inp.at is not None else pd.DataFrame()
    growth_text = (f"{'+' if growth['growth'].iloc[-1] >= 0 else ''}{fmt.money(growth['growth'].iloc[-1])} over the 7 days "
                   f"to {pd.Timestamp(growth['as_of'].iloc[-1]):%d %b}" if len(growth) else NO_DATA)
    money.add("ul", [
        f"**Revenue Pipeline Growth**: {growth_text}",
        f"**Cost Avoidance**: {business.cost_avoidance_achieved(data).sentence()} "
        "(Σ annual exposure × (protection reached − protection at week 0))",
        f"**ROI Projection**: {business.roi(data).sentence()}"])
    title, subtitle = _header(inp, "DCE Weekly Executive Report")
    return Report(title, subtitle, [summary, issue_section, due_section, wins, dashboard, nxt, money])


def critical_issues(inp: Inputs, critical: list[str]) -> tuple[list[str], list[str]]:
    """(issues, untracked): only real issues — a firing critical alert, a target due this week and
    missed, a team without its engineers, a violation, a critical vulnerability. A line that would report
    zero of something is left out; a figure without data goes to `untracked`, not to the issues."""
    data = inp.now
    issues, untracked = list(critical), []
    met, missed = due_this_week(inp)
    if len(missed):
        issues.append(f"**Targets Missed**: {len(missed)} of {len(missed) + len(met)} targets due in week "
                      f"{inp.week} missed (listed under Targets Due)")
    formation = data.plan["team_formation"]
    engineers = formation[formation["step"].str.contains("engineer", case=False)]
    done = engineers["metric_id"].map(data.latest_map())
    if done.isna().all():
        untracked.append("team formation")
    elif (open_ := int((done.fillna(0) < 100).sum())):
        issues.append(f"**Team Formation**: {open_} of {len(engineers)} teams still without their engineers")
    day, week = violation_exposure(inp)
    if day["violations"].isna().all() and week["violations"].isna().all():
        untracked.append("violations priced per call (TCPA, state law)")
    elif day["violations"].fillna(0).sum() > 0 or week["violations"].fillna(0).sum() > 0:
        issues.append(f"**Compliance Risk**: daily violation exposure on the latest day: {_exposure_text(day)}; "
                      f"this week: {_exposure_text(week)} (cost per violation from the plan's risk matrix)")
    vulns = security.critical_vulnerabilities(data)
    if vulns.count is None:
        untracked.append("critical security vulnerabilities")
    elif vulns.count > 0:
        issues.append(f"**Technical Debt**: {vulns.text()} critical security vulnerabilities open")
    untracked.append("budget and tooling approvals (Resource Constraints)")
    return issues, untracked


def technical(inp: Inputs) -> Report:
    data = inp.now
    ev = _evaluation(inp)
    velocity = _velocity_week(inp)
    teams = data.plan["teams"]
    by_metric = velocity.set_index("metric_id")
    total = by_metric["points"].get(recording.VELOCITY_TOTAL_ID)
    days = by_metric["days"].get(recording.VELOCITY_TOTAL_ID)
    capacity, target = _stated(data, "velocity_total_max"), _stated(data, "velocity_total_target")
    dev = Section("🏗️ Development Progress").add("h3", "Team Velocity").add("ul", [
        f"**Total Story Points**: {fmt.number(total, 0) if total is not None else NO_DATA}/{fmt.number(capacity, 0)} "
        f"(target: {fmt.number(target, 0)}/week)" + (f", from {days} day(s) of data" if days is not None else ""),
        f"**Sprint Completion**: {sprint_completion(inp)}",
        f"**Cross-team Integration**: {_value(data, 'cross_team_integration_tests')} successful integration tests"])
    team_rows = []
    for t in teams.itertuples():
        mid = f"{recording.VELOCITY_PREFIX}{t.team.lower()}"
        pts = by_metric["points"].get(mid)
        team_rows.append({"Team": t.team, "Points this week": fmt.number(pts, 0) if pts is not None else NO_DATA,
                          "Target": fmt.number(t.velocity_target, 0), "Capacity": fmt.number(t.capacity_points, 0),
                          "Status": status.badge(status.evaluate(pts, ">=", t.velocity_target, "higher_better"))})
    dev.add("table", pd.DataFrame(team_rows))
    latest = data.latest_map()
    failure = build_failure(inp)
    builds = (f"{fmt.pct(100 - failure, 1)} (mean of the teams; target: 98%); build failure rate "
              f"{fmt.pct(failure, 1)} (alert above 10%)" if failure is not None else f"{NO_DATA} (target: 98%)")
    critical = security.critical_vulnerabilities(data)
    findings = {s: security.open_findings(data, s) for s in ("high", "medium")}
    scan = (f"{critical.text()} critical, " + ", ".join(
        f"{fmt.number(v, 0)} {s}" if v is not None else f"{s}: {NO_DATA}" for s, v in findings.items())
        + " open findings (vulnerability tracking, all categories)")
    dev.add("h3", "Quality Metrics").add("ul", [
        f"**Test Coverage**: {_value(data, 'test_coverage_overall_pct')} (target: 90%)",
        f"**Build Success Rate**: {builds}",
        f"**Security Scan**: {scan if critical.count is not None or any(v is not None for v in findings.values()) else NO_DATA}",
        f"**Performance Tests**: {NO_DATA} (target: 100% passing)"])

    feat = Section("🚀 Feature Delivery")
    done_ids = data.registry[data.registry["unit"] == "done"]["metric_id"]
    before = inp.prev.latest_map()
    completed = [m for m in done_ids if latest.get(m, 0) >= 100 and before.get(m, 0) < 100]
    progress = [m for m in done_ids if 0 < latest.get(m, 0) < 100]
    dues = target_rows(data).dropna(subset=["due_week"]).groupby("metric_id")["due_week"].min()
    feat.add("h3", "Completed This Week").add("ul", [f"{_label(data, m)}: done" for m in completed]
                                              or ["Nothing completed this week."])
    feat.add("h3", "In Progress").add("ul", [
        f"{_label(data, m)}: {fmt.pct(latest[m], 0)} done" + (f", due week {int(dues[m])}" if m in dues else "")
        for m in progress] or ["Nothing in progress."])
    due = due_next(inp)
    feat.add("h3", "Next Week Planned").add("ul", _more(
        [f"{r.label} — {r.status_badge} ({r.current}, target {r.text_as_written})" for r in due.head(MAX_ITEMS).itertuples()],
        len(due), "targets due") or [f"No target is due in week {inp.week + 1}."])

    health = Section("🔧 Technical Health").add("ul", [
        f"**System Uptime**: {_value(data, 'system_uptime_pct')} (target: 99.9%)",
        f"**API Latency P99**: {_value(data, 'api_latency_p99_ms')} (target: <50ms)",
        f"**Error Rate**: {NO_DATA} (target: <0.1%)",
        f"**Database Performance**: {_value(data, 'db_query_time_p95_ms')} (p95 query time)"])
    risks = Section("🚫 Blockers & Risks").add("ol", _alert_lines(inp, ev) or ["No alert is firing at the end of the week."])
    pending = ev.active[ev.active["state"] == alerts.PENDING]
    if len(pending):
        cur = ev.current.set_index("rule_id")["explanation"]
        risks.add("p", "Pending (not firing yet): " + "; ".join(
            f"{r.name}: {cur[r.rule_id]}" for r in pending.drop_duplicates("rule_id").itertuples()))
    crit = Section("🎯 Success Criteria Progress")
    rows = target_rows(data)
    items = []
    for section in overview.MILESTONE_SECTIONS:
        part = rows[rows["section"] == section]
        if len(part):
            share = (part["status"] == status.MET).mean() * 100
            items.append(f"{SECTION_NAMES.get(section, section)}: {fmt.pct(share, 0)} complete "
                         f"({int((part['status'] == status.MET).sum())} of {len(part)} targets met)")
    crit.add("ul", items)
    crit.add("h3", f"Targets Due in Week {inp.week}")
    crit.blocks += due_blocks(inp)
    crit.add("p", f"**ROI**: {business.roi(data).sentence()}.")
    title, subtitle = _header(inp, "DCE Technical Team Report")
    return Report(title, subtitle, [dev, feat, health, risks, crit])


def build(kind: str, inp: Inputs) -> Report:
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; choose one of {', '.join(KINDS)}")
    return executive(inp) if kind == "executive" else technical(inp)


def file_name(kind: str, week: int, ext: str) -> str:
    return f"dce-{kind}-report-week-{week:02d}.{ext}"
