"""Team performance: weekly sprint velocity (sum of daily points), targets, recognition, formation, coverage.

Velocity convention (docs/architecture.md): velocity_<team> observations are points per day; a team's
weekly velocity is their SUM over the plan week (summed in SQL: loaders.queries.weekly_sums).
"""
from __future__ import annotations

import pandas as pd

from transforms import fmt, status
from transforms.phases import REWARDS
from transforms.table import Table

WEEKLY_TOTAL_TARGET = 60     # the plan's WeeklyTargetsMissed threshold (dce:team_velocity_total < 60)


def velocity_ids(teams: pd.DataFrame) -> list[str]:
    return [f"velocity_{t.lower()}" for t in teams["team"]]


def velocity_grid(weekly: pd.DataFrame, teams: pd.DataFrame, up_to_week: int) -> pd.DataFrame:
    """Team × plan week (1..up_to_week) of weekly velocity; NaN where a team has no observation that week."""
    ids = dict(zip(velocity_ids(teams), teams["team"]))
    grid = (weekly[weekly["metric_id"].isin(ids)].assign(team=lambda f: f["metric_id"].map(ids))
            .pivot_table(index="team", columns="week", values="value", aggfunc="sum"))
    return grid.reindex(index=list(teams["team"]), columns=range(1, max(up_to_week, 0) + 1))


def weekly_totals(grid: pd.DataFrame) -> pd.DataFrame:
    """Per week with data: total velocity, and whether the weekly target of 60 was missed."""
    has = grid.notna().any()
    totals = grid.sum(min_count=1)[has]
    return pd.DataFrame({"week": totals.index.astype(int), "total": totals.values,
                         "missed": (totals < WEEKLY_TOTAL_TARGET).values})


def target_table(grid: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    """Each team's latest week with data against its capacity and target, then the total."""
    rows = []
    week = int(grid.columns[grid.notna().any()].max()) if grid.notna().any().any() else None
    for team in teams.itertuples():
        v = grid.loc[team.team, week] if week is not None else float("nan")
        rows.append((team.team, team.capacity_points, team.velocity_target, v))
    rows.append(("Total", teams["capacity_points"].sum(), WEEKLY_TOTAL_TARGET,
                 grid[week].sum(min_count=1) if week is not None else float("nan")))
    out = pd.DataFrame(rows, columns=["Team", "Capacity", "Target", "value"])
    states = [status.evaluate(v, ">=", t, "higher_better") for v, t in zip(out["value"], out["Target"])]
    out[f"Week {week}" if week else "Velocity"] = [fmt.number(v, 0) if pd.notna(v) else "no data" for v in out["value"]]
    out["Utilisation"] = [fmt.pct(v / c * 100, 0) if pd.notna(v) else "—" for v, c in zip(out["value"], out["Capacity"])]
    out["Status"] = [status.badge(s) for s in states]
    return out.drop(columns="value")


def sprint_champions(grid: pd.DataFrame, teams: pd.DataFrame) -> pd.Series:
    """Per week: the team with the highest velocity ÷ capacity (None when nobody delivered a point)."""
    capacity = teams.set_index("team")["capacity_points"]
    ratio = grid.div(capacity, axis=0)
    return pd.Series({int(w): (ratio[w].idxmax() if ratio[w].max(skipna=True) > 0 else None)
                      for w in ratio.columns if ratio[w].notna().any()}, dtype=object)


def quality_leaders(coverage_weekly: pd.DataFrame, coverage_map: pd.DataFrame) -> pd.Series:
    """Per week: the team with the best mean test coverage (unit, integration, e2e; last value of the week)."""
    teams = coverage_map[coverage_map["team"] != "Overall"]
    merged = coverage_weekly.merge(teams, on="metric_id")
    if merged.empty:
        return pd.Series(dtype=object)
    means = merged.groupby(["week", "team"])["value"].mean().unstack()
    return pd.Series({int(w): (row.idxmax() if row.max(skipna=True) > 0 else None)
                      for w, row in means.iterrows()}, dtype=object)


def recognition(champions: pd.Series, leaders: pd.Series, grid: pd.DataFrame, teams: pd.DataFrame) -> pd.DataFrame:
    capacity = teams.set_index("team")["capacity_points"]
    weeks = sorted(set(champions.index) | set(leaders.index))
    return pd.DataFrame({
        "Week": weeks,
        "Sprint Champion": [(f"{champions[w]} ({fmt.number(grid.loc[champions[w], w], 0)} of "
                             f"{int(capacity[champions[w]])} pts)") if champions.get(w) else "— (no points yet)"
                            for w in weeks],
        "Quality Leader": [leaders.get(w) or "— (no coverage yet)" for w in weeks]})


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
