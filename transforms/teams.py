"""Team performance: weekly sprint velocity (sum of daily points), targets, recognition, formation, coverage.

Velocity convention (docs/architecture.md): velocity_<team> observations are points per day; a team's
weekly velocity is their SUM over the plan week (summed in SQL: loaders.queries.weekly_sums).
"""
from __future__ import annotations

import pandas as pd

from transforms import fmt, status
from transforms.model import PlanData, remember
from transforms.phases import REWARDS
from transforms.table import Table

WEEKLY_RULE_ID = "weekly_targets_missed"     # the alert rule /teams reports the state of
WEEKLY_TOTAL_TARGET = 60     # the plan's WeeklyTargetsMissed threshold (dce:team_velocity_total < 60)


VELOCITY_PREFIX = "velocity_"


def weekly_totals(grid: pd.DataFrame) -> pd.DataFrame:
    """Per week with data: total velocity, and whether the weekly target of 60 was missed."""
    has = grid.notna().any()
    totals = grid.sum(min_count=1)[has]
    return pd.DataFrame({"week": totals.index.astype(int), "total": totals.values,
                         "missed": (totals < WEEKLY_TOTAL_TARGET).values})


def grid_table(grid: pd.DataFrame) -> Table:
    """The team × week velocity grid as a table: a row per team, a column per plan week, in points."""
    data = grid.reset_index().rename(columns=lambda c: f"Week {c}" if isinstance(c, int) else str(c).title())
    return Table(data, {c: "points" for c in data.columns if c.startswith("Week ")})


def target_table(grid: pd.DataFrame, teams: pd.DataFrame, total: float | None) -> Table:
    """Each team's latest week with data against its capacity and target, then the total.

    The total is the one velocity figure every page shows (kpis.velocity: the recorded 7-day total, the
    plan's 0 at week 0), not a second sum of the team rows."""
    rows = []
    week = int(grid.columns[grid.notna().any()].max()) if grid.notna().any().any() else None
    for team in teams.itertuples():
        v = grid.loc[team.team, week] if week is not None else float("nan")
        rows.append((team.team, team.capacity_points, team.velocity_target, v))
    rows.append(("Total", teams["capacity_points"].sum(), WEEKLY_TOTAL_TARGET, float("nan") if total is None else total))
    out = pd.DataFrame(rows, columns=["Team", "Capacity", "Target", "Velocity"])
    out["Utilisation"] = out["Velocity"] / out["Capacity"] * 100
    out["Status"] = [status.evaluate(v, ">=", t, "higher_better") for v, t in zip(out["Velocity"], out["Target"])]
    header = f"Week {week}" if week else "Velocity"
    return Table(out.rename(columns={"Velocity": header}), {"Capacity": "points", "Target": "points",
                                                            header: "points", "Utilisation": "%", "Status": "status"})


# --- team recognition, per week, as the plan names it ------------------------------------------------

INTEGRATIONS_PREFIX = "team_integrations_"        # cross-team integrations delivered (count, summed per week)
BUSINESS_VALUE_PREFIX = "team_business_value_"    # business value of the features released ($, summed per week)
QUALITY_LEVELS = ("unit", "integration", "e2e")
AWARD_RULES = {
    "Sprint Champions": "highest velocity team: the most story points completed in the week",
    "Quality Leaders": "best test coverage and practices: the highest mean of the team's unit, integration and "
                       "e2e test coverage and build success rate (each its last value of the week; one not "
                       "reported counts as 0)",
    "Integration Masters": "smooth cross-team delivery: the most cross-team integrations delivered in the week",
    "Customer Impact": "features with the highest business value: the most business value (annualised revenue "
                       "or savings, estimated at release) delivered in the week",
}
AWARD_UNITS = {"Sprint Champions": "points", "Quality Leaders": "%", "Integration Masters": "count",
               "Customer Impact": "$"}
AWARD_FIGURES = {"Sprint Champions": "Velocity", "Quality Leaders": "Quality score",
                 "Integration Masters": "Integrations", "Customer Impact": "Business value"}


def team_ids(teams: pd.DataFrame, prefix: str) -> list[str]:
    """<prefix><team>: the per-team metric ids of one kind (velocity_security, team_integrations_security, …)."""
    return [f"{prefix}{t.lower()}" for t in teams["team"]]


def team_grid(weekly: pd.DataFrame, teams: pd.DataFrame, prefix: str, up_to_week: int) -> pd.DataFrame:
    """Team × plan week (1..up_to_week) of one per-team metric's weekly figure (ui.data.weekly rows)."""
    ids = dict(zip(team_ids(teams, prefix), teams["team"]))
    mine = weekly[weekly["metric_id"].isin(ids)].assign(team=lambda f: f["metric_id"].map(ids))
    grid = mine.pivot_table(index="team", columns="week", values="value", aggfunc="sum")
    return grid.reindex(index=list(teams["team"]), columns=range(1, max(up_to_week, 0) + 1))


def quality_grid(weekly_last: pd.DataFrame, coverage_map: pd.DataFrame, teams: pd.DataFrame,
                 up_to_week: int) -> pd.DataFrame:
    """Team × week quality score: mean of unit, integration and e2e coverage and build success rate (a figure
    not reported that week counts as 0); NaN for a team that reported none of the four."""
    per_team = coverage_map[coverage_map["team"].isin(teams["team"])]
    sources = dict(zip(per_team["metric_id"], per_team["team"]))
    sources.update(zip(team_ids(teams, "build_success_rate_"), teams["team"]))
    mine = weekly_last[weekly_last["metric_id"].isin(sources)].assign(team=lambda f: f["metric_id"].map(sources))
    summed = mine.pivot_table(index="team", columns="week", values="value", aggfunc="sum")
    score = summed / (len(QUALITY_LEVELS) + 1)
    return score.reindex(index=list(teams["team"]), columns=range(1, max(up_to_week, 0) + 1))


def winners(grid: pd.DataFrame, decimals: int = 0) -> pd.DataFrame:
    """Per week with any figure: the team(s) with the highest one (ties, at `decimals`, listed together) and the
    figure. Nobody wins a week where the best figure is 0. Columns: week, teams (list), value."""
    out = []
    for week in grid.columns:
        column = grid[week].dropna()
        if column.empty:
            continue
        best = column.round(decimals).max()
        top = [t for t, v in column.round(decimals).items() if v == best] if best > 0 else []
        out.append({"week": int(week), "teams": top, "value": float(column[top].max()) if top else float(best)})
    return pd.DataFrame(out, columns=["week", "teams", "value"])


def uploaded_award_ids(teams: pd.DataFrame) -> list[str]:
    """The per-team metrics only the team awards read (no plan table has a column for them)."""
    return team_ids(teams, INTEGRATIONS_PREFIX) + team_ids(teams, BUSINESS_VALUE_PREFIX)


def award_inputs(teams: pd.DataFrame, coverage_map: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(metrics summed per week, metrics read at their last value of the week) the team awards need."""
    summed = team_ids(teams, VELOCITY_PREFIX) + uploaded_award_ids(teams)
    return summed, list(coverage_map["metric_id"]) + team_ids(teams, "build_success_rate_")


def team_awards(data: PlanData, weekly_sums: pd.DataFrame, weekly_last: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each team award's winners per week up to data.week (AWARD_RULES), from the rows award_inputs names
    read for `data` (ui.data.weekly); computed once per `data`."""
    coverage_map, teams = data.plan["test_coverage"], data.plan["teams"]
    return remember(data, ("teams.team_awards",),
                    lambda: awards_from(weekly_sums, weekly_last, coverage_map, teams, data.week))


def awards_from(weekly_sums: pd.DataFrame, weekly_last: pd.DataFrame, coverage_map: pd.DataFrame,
                teams: pd.DataFrame, up_to_week: int) -> dict[str, pd.DataFrame]:
    """Each team award's winners per week (AWARD_RULES), from the rows award_inputs names."""
    def grid(prefix):
        return team_grid(weekly_sums, teams, prefix, up_to_week)
    return {"Sprint Champions": winners(grid(VELOCITY_PREFIX)),
            "Quality Leaders": winners(quality_grid(weekly_last, coverage_map, teams, up_to_week), 1),
            "Integration Masters": winners(grid(INTEGRATIONS_PREFIX)),
            "Customer Impact": winners(grid(BUSINESS_VALUE_PREFIX))}


def recognition(awards: dict[str, pd.DataFrame], up_to_week: int) -> Table:
    """Week × team award: who won (ties together) and the figure that won it."""
    weeks = range(1, max(up_to_week, 0) + 1)
    data, kinds = {"Week": list(weeks)}, {}
    for award, result in awards.items():
        by_week = result.set_index("week") if len(result) else pd.DataFrame(columns=["teams", "value"])
        data[award] = [", ".join(by_week.loc[w, "teams"]) or "—" if w in by_week.index else "no data" for w in weeks]
        figure = AWARD_FIGURES[award]
        data[figure] = [by_week.loc[w, "value"] if w in by_week.index else float("nan") for w in weeks]
        kinds[figure] = AWARD_UNITS[award]
    return Table(pd.DataFrame(data), kinds)


def recognition_sentence(awards: dict[str, pd.DataFrame], week: int) -> str:
    """Who holds each team award at `week` (or that nobody does yet, and why)."""
    parts = []
    for award, result in awards.items():
        row = result[result["week"] == week]
        if row.empty:
            parts.append(f"{award}: no data for week {week}")
        elif not row["teams"].iloc[0]:
            parts.append(f"{award}: nobody (no team above 0)")
        else:
            parts.append(f"{award}: **{', '.join(row['teams'].iloc[0])}** "
                         f"({fmt.value(row['value'].iloc[0], AWARD_UNITS[award])})")
    return f"Week {week} — " + "; ".join(parts) + "."


def nominations_table(nominations: pd.DataFrame) -> Table:
    """Nominations as recorded (free text stays in cells), by plan week."""
    frame = nominations.sort_values(["week", "nominated_at", "nomination_id"])
    data = pd.DataFrame({"Week": frame["week"], "Award": frame["award"], "Person": frame["person"],
                         "Team": frame["team"], "Reason": frame["reason"], "Nominated by": frame["nominated_by"],
                         "Nominated on": pd.to_datetime(frame["nominated_at"]),
                         "Nominated at": pd.to_datetime(frame["nominated_at"]), "nomination_id": frame["nomination_id"]})
    return Table(data.reset_index(drop=True), {"Nominated on": "date", "Nominated at": "hidden", "nomination_id": "id"})


def nominations_sentence(nominations: pd.DataFrame, week: int, awards) -> str:
    """"Week 5: 3 nominations (Daily Heroes 2, Weekly MVPs 1); 7 in weeks 1–5." (counts only: no free text)"""
    this_week = nominations[nominations["week"] == week]
    counts = this_week["award"].value_counts()
    detail = ", ".join(f"{a} {int(counts[a])}" for a in awards if a in counts)
    head = (f"Week {week}: **{len(this_week)}** nomination{'s' if len(this_week) != 1 else ''}"
            + (f" ({detail})" if detail else ""))
    return head + f"; {len(nominations)} in weeks 1–{week}." if week >= 1 else head + "."


def rewards(checklist_summary: pd.DataFrame) -> Table:
    """Milestone rewards: unlocked when every item of that week's checklist was met at the end of that
    week (transforms.phases.checklist_summary), and unlocked for good from then on."""
    summary = checklist_summary.set_index("week")
    rows = []
    for week, reward in REWARDS.items():
        r = summary.loc[week]
        if not r["due"]:
            state = f"⏳ Due at the end of week {week} ({r['holds']} of {r['total']} met so far)"
        elif r["complete"]:
            state = f"🔓 Unlocked at the end of week {week}"
        else:
            state = f"🔒 Locked: {r['earned']} of {r['total']} met at the end of week {week}"
        rows.append({"Week": week, "Reward": reward, "Checklist": state, "Items earned": r["earned"],
                     "Items": r["total"], "Due": bool(r["due"]), "Unlocked": bool(r["complete"])})
    return Table(pd.DataFrame(rows), {"Checklist": "screen", "Items earned": "hidden", "Items": "hidden",
                                      "Due": "hidden", "Unlocked": "hidden"})


def formation(data_latest: dict, formation_map: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Team × formation step (✅ done / ⬜ not yet / no data), with (steps done, total)."""
    values = formation_map["metric_id"].map(data_latest)
    cells = ["✅ Done" if v >= 100 else ("⬜ Not yet" if pd.notna(v) else "no data") for v in values]
    table = (formation_map.assign(cell=cells).pivot(index="team", columns="step", values="cell")
             .reindex(index=list(dict.fromkeys(formation_map["team"])), columns=list(dict.fromkeys(formation_map["step"]))))
    table.columns = [c.replace("_", " ").capitalize() for c in table.columns]
    return table.reset_index().rename(columns={"team": "Team"}), int((values >= 100).sum()), len(values)


def coverage(data_latest: dict, coverage_map: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    """Team × level coverage with the team's target and a status on the weakest level."""
    targets = dict(zip(teams["team"], teams["coverage_target_pct"]))
    targets.setdefault("Overall", 90)
    values = coverage_map.assign(value=coverage_map["metric_id"].map(data_latest))
    wide = values.pivot(index="team", columns="level", values="value").reindex(
        index=list(dict.fromkeys(coverage_map["team"])), columns=["unit", "integration", "e2e"])
    out = pd.DataFrame({"Team": wide.index})
    for level, name in (("unit", "Unit"), ("integration", "Integration"), ("e2e", "E2E")):
        out[name] = [fmt.pct(v, 1) if pd.notna(v) else "no data" for v in wide[level]]
    out["Target"] = [fmt.pct(targets.get(t), 0) for t in wide.index]
    weakest = wide.min(axis=1, skipna=False)
    out["Status (weakest level)"] = [status.badge(status.evaluate(v, ">=", targets.get(t), "higher_better"))
                                     for t, v in zip(wide.index, weakest)]
    return out
