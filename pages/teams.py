"""Team performance: sprint velocity heatmap, velocity against target, recognition, formation and quality."""
import streamlit as st

from transforms import alerts, fmt, kpis, model, phases, teams
from transforms.calendar import week_end
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import nominations
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
roster = data.plan["teams"]
grid = teams.team_grid(ui_data.weekly(data, teams.team_ids(roster, teams.VELOCITY_PREFIX), "sum"), roster,
                       teams.VELOCITY_PREFIX, data.week)
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
    rule, state, why = alerts.rule_state(ui_data.alert_evaluation(alerts.evaluation_day(data)),
                                         data.plan["alert_rules"], teams.WEEKLY_RULE_ID)
    if state in (alerts.FIRING, alerts.PENDING):        # the Alerts page's own evaluation: one state everywhere
        (st.error if state == alerts.FIRING else st.warning)(
            f"**{rule.name}** is {alerts.STATE_BADGE[state]}: {why}.", icon=":material/warning:")
    charts.show(charts.velocity_heatmap(grid, float(roster["capacity_points"].max())))
    widgets.table(teams.grid_table(grid), "velocity_by_week")
st.markdown("**Velocity against target** (latest week with data; per-team targets 14/14/14/10/8, total 60).")
widgets.table(teams.target_table(grid, roster, kpis.velocity(data).value), "velocity_targets")

st.subheader("Team recognition")
coverage_map = data.plan["test_coverage"]
summed, last = teams.award_inputs(roster, coverage_map)
awards = teams.team_awards(data, ui_data.weekly(data, summed, "sum"), ui_data.weekly(data, last, "last"))
st.markdown("Computed each week from the data, as the plan names them (ties listed together):\n" +
            "\n".join(f"- **{name}**: {rule}." for name, rule in teams.AWARD_RULES.items()))
if data.week < 1:
    st.markdown("No plan week has ended yet, so no team award is given.")
else:
    st.markdown(teams.recognition_sentence(awards, data.week))
    widgets.table(teams.recognition(awards, data.week), "team_recognition")
st.caption("Integration Masters and Customer Impact read two per-team figures the plan's tables have no column for: "
           "`team_integrations_<team>` (cross-team integrations delivered) and `team_business_value_<team>` "
           "(annualised revenue or savings of the features released), uploaded as observations on the Data page.")
nominations.award_figures_template(teams.uploaded_award_ids(roster), week_end(max(data.week, 1), data.start),
                                   max(data.week, 1))

st.subheader("Individual recognition")
nominated = ui_data.nominations(data)
st.markdown("Daily Heroes, Weekly MVPs, Cross-team Champions and Innovation Awards need people's judgement: "
            "nominate someone below. " + (teams.nominations_sentence(nominated, data.week, nominations.AWARDS)
                                           if data.week >= 1 else ""))
if len(nominated):
    widgets.table(teams.nominations_table(nominated), "nominations")
else:
    st.info(f"No nominations for weeks up to {data.week} yet.", icon=":material/military_tech:")
with st.expander("Nominate someone", expanded=not len(nominated)):
    nominations.nomination_form(list(roster["team"]), data.week)

st.subheader("Milestone rewards")
_, summary, _ = phases.checklist_view(data, ui_data.plan_data_at_weeks(phases.CHECKLIST_WEEKS, data.week))
rewards = teams.rewards(summary)
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
