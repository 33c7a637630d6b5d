"""Executive overview: where the plan stands, what is at risk, what to do — then the detail behind it."""
import streamlit as st

from transforms import alerts, attention, kpis, overview
from transforms import audit as plan_audit
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui.sample import sample_controls
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
snapshot = ui_data.plan_data(0)       # the plan's own week-0 rows: what its stated totals are checked against
headlines = kpis.headlines(data)
weekly = kpis.weekly_values(data, snapshot, ui_data.weekly_all(data))
evaluation = ui_data.alert_evaluation(alerts.evaluation_day(data))
items = (attention.alert_items(evaluation.active, data.registry)
         + attention.due_items(ui_data.paced_targets(data), data.week)
         + attention.category_items(overview.categories(data), data.registry))

st.title("Executive overview")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
st.markdown(overview.glance_sentence(data, headlines) + " " + attention.sentence(items))

for row in (headlines[:3], headlines[3:]):
    for column, h in zip(st.columns(3), row):
        with column:
            widgets.kpi_tile(h, kpis.delta_text(h, kpis.previous(weekly, h.kpi_id, data.week), data.week),
                             kpis.sparkline(weekly, h.kpi_id))

st.subheader("Needs attention")
widgets.attention_list(items)

st.subheader("Health score by category")
health, stated = overview.health(data), overview.health(snapshot)
st.markdown(overview.health_sentence(health, stated, data.week) + " " +
            overview.targets_sentence(overview.health_targets(data)))
widgets.table(overview.category_table(health.contributions), "health_categories")
trend = overview.health_trend(ui_data.history(list(health.contributions["metric_id"]), extremes=False),
                              health.contributions[["metric_id", "weight"]], data.as_of)
if len(trend.dropna()) < 2:
    st.info("The plan is a single week-0 snapshot, so there is no trend yet. It appears once daily "
            "category scores are loaded on the Data page.", icon=":material/show_chart:")
    sample_controls("overview")
else:
    charts.show(charts.health_trend(trend, overview.trend_marks(health, stated)))

st.subheader("Consistency audit")
audit = overview.audit_table(snapshot)
st.markdown(overview.audit_sentence(audit))
widgets.table(overview.audit_worst(audit), "consistency_audit_worst")
with st.expander(f"All {len(audit)} checks of the plan's stated totals"):
    widgets.table(overview.audit_display(audit), "consistency_audit")
st.caption(plan_audit.PRECISION_RULE)

st.subheader("Contradictions between parts of the plan")
contradictions = overview.plan_contradictions(snapshot)
st.markdown(plan_audit.contradictions_sentence(contradictions) + "\n\n" +
            "\n".join(plan_audit.contradiction_lines(contradictions)))
with st.expander("The contradictions as a table"):
    widgets.table(plan_audit.contradiction_table(contradictions), "plan_contradictions")
