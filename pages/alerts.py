"""Alerts: the plan's alert rules evaluated over the observation history, with whom each escalates to."""
import streamlit as st

from transforms import alerts
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
rules = data.plan["alert_rules"]
ev = ui_data.alert_evaluation(alerts.evaluation_day(data))
active = alerts.active_table(ev, rules, data.registry, data.plan["contacts"], data.plan["teams"])

st.title("Alerts")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
st.markdown(alerts.summary_sentence(ev) + " Rules are evaluated once a day like Prometheus rules: a breach is "
            "*pending* until it has held for the rule's `for` duration, then *firing* until it clears.")

st.subheader("Firing and pending")
if active.data.empty:
    st.success("No alert is firing or pending.", icon=":material/check_circle:")
for state, text in alerts.active_messages(active, rules):
    firing = state == alerts.FIRING
    (st.error if firing else st.warning)(text, icon=":material/error:" if firing else ":material/warning:")
if len(active.data):
    widgets.table(active, "alerts_active")

# Rules that wait a `for` duration and are not firing: say exactly why (held days vs required).
waiting = [r for r in alerts.rules(rules) if r.required_days > 1]
current = ev.current.set_index("rule_id")
for rule in waiting:
    state = current.loc[rule.rule_id, "state"]
    if state != alerts.FIRING:
        st.info(f"**{rule.name}** is not firing ({alerts.STATE_BADGE[state]}): "
                f"{current.loc[rule.rule_id, 'explanation']}.", icon=":material/info:")

st.subheader("Timeline")
fig = charts.alert_timeline(ev)
if fig is None:
    st.info("No rule has held on any day of the history yet.", icon=":material/show_chart:")
else:
    st.markdown(f"{len(ev.episodes)} episodes: each bar is one breach, amber while pending, red once firing.")
    charts.show(fig)
    widgets.table(alerts.episode_table(ev, data.registry), "alert_episodes")

st.subheader("Rules")
st.markdown(f"{len(ev.current)} rules from the plan's escalation matrix, its Prometheus rule "
            "(WeeklyTargetsMissed: weekly velocity targets missed) and the freshness rule; each with its current state and why.")
widgets.table(alerts.rule_table(ev, rules, data.registry), "alert_rules")
st.subheader("Contacts")
widgets.table(data.plan["contacts"].rename(columns=str.title), "contacts")
