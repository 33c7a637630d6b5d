"""Team performance: sprint velocity heatmap, velocity against target, recognition, formation and quality."""
import plotly.graph_objects as go
import streamlit as st

from transforms import fmt, model, phases, teams
from ui import data as ui_data
from ui import widgets

data = ui_data.plan_data_as_picked()
roster = data.plan["teams"]
grid = teams.velocity_grid(ui_data.weekly(data, teams.velocity_ids(roster), "sum"), roster, data.week)
totals = teams.weekly_totals(grid)

st.title("Team performance")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

st.subheader("Sprint velocity (story points per week)")
if totals.empty:
    st.info("No sprint velocity recorded yet: the plan's teams are not formed (week 0, 0 points). The heatmap "
            "appears once daily story points are loaded (team_metrics_daily on the Data page).", icon=":material/groups:")
else:
    missed = totals[totals["missed"]]
    last = totals.iloc[-1]
    st.markdown(f"Week {int(last['week'])}: **{fmt.number(last['total'], 0)} points** of the 60/week target "
                f"(capacity {int(roster['capacity_points'].sum())}). Weekly total below 60 in **{len(missed)} of "
                f"{len(totals)}** weeks" + (f" (weeks {', '.join(map(str, missed['week']))})." if len(missed) else "."))
    if bool(last["missed"]):
        st.warning(f"**WeeklyTargetsMissed** — week {int(last['week'])} velocity {fmt.number(last['total'], 0)} is "
                   "below the target of 60 points/week.", icon=":material/warning:")
    fig = go.Figure(go.Heatmap(z=grid.values, x=[f"W{w}" for w in grid.columns], y=list(grid.index),
                               text=grid.map(lambda v: "" if v != v else f"{v:.0f}").values, texttemplate="%{text}",
                               colorscale="Greens", zmin=0, zmax=float(roster["capacity_points"].max()),
                               hovertemplate="%{y}, %{x}: %{z} pts<extra></extra>", colorbar=dict(title="pts")))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(autorange="reversed"))
    st.plotly_chart(fig, config={"displayModeBar": False})
    widgets.table(grid.reset_index().rename(columns=lambda c: f"Week {c}" if isinstance(c, int) else c.title()),
                  "velocity_by_week")
st.markdown("**Velocity against target** (latest week with data; per-team targets 14/14/14/10/8, total 60).")
widgets.table(teams.target_table(grid, roster), "velocity_targets")

st.subheader("Recognition")
record = phases.checklist_record(data, ui_data.plan_data_at_weeks(phases.CHECKLIST_WEEKS, data.week))
champions = teams.sprint_champions(grid, roster)
coverage_map = data.plan["test_coverage"]
leaders = teams.quality_leaders(ui_data.weekly(data, list(coverage_map["metric_id"]), "last"), coverage_map)
if champions.empty and leaders.empty:
    st.markdown("No sprint or coverage history yet, so there is no Sprint Champion or Quality Leader to name.")
else:
    latest = champions.dropna().iloc[-1] if champions.notna().any() else "nobody yet"
    st.markdown(f"Sprint Champion (highest velocity ÷ capacity) of the latest week: **{latest}**; Quality Leader "
                f"(best mean test coverage): **{leaders.dropna().iloc[-1] if leaders.notna().any() else 'nobody yet'}**.")
    widgets.table(teams.recognition(champions, leaders, grid, roster), "recognition")
rewards = teams.rewards(phases.checklist_summary(record))
st.markdown(f"Milestone rewards unlock when every item of their week's checklist was met at the end of that week, "
            f"and stay unlocked: **{int(rewards.data['Unlocked'].sum())} of {len(rewards.data)}** unlocked by week "
            f"{data.week}.")
widgets.table(rewards, "milestone_rewards")

st.subheader("Team formation")
formation, done, total = teams.formation(data.latest_map(), data.plan["team_formation"])
st.markdown(f"**{done} of {total}** formation steps done across {len(roster)} teams.")
widgets.table(formation, "team_formation")

st.subheader("Test coverage by team")
cov = teams.coverage(data.latest_map(), coverage_map, roster)
st.markdown(f"{int(cov['Status (weakest level)'].str.startswith('🟢').sum())} of {len(cov)} rows meet their "
            "target coverage on every level (unit, integration, e2e).")
widgets.table(cov, "test_coverage_by_team")

st.subheader("Code quality")
quality = model.target_rows(data, "code_quality")
st.markdown(model.progress_sentence(quality, "code-quality targets"))
widgets.table(model.kpi_table(quality, {"label": "Metric", "current": "Current", "text_as_written": "Target",
                                        "status_badge": "Status"}), "code_quality")
