"""Metric history: one KPI's definition, targets, chart and every observation behind its current value."""
import streamlit as st

from transforms import history
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
labels = dict(zip(data.registry["metric_id"], data.registry["label"]))
st.title("Metric history")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
metric_id = st.selectbox("Metric", list(labels), format_func=labels.get, key="metric", bind="query-params",
                         help="Every KPI of the plan; a table row's history link opens it here.")
unit = data.registry.set_index("metric_id")["unit"][metric_id]
st.markdown(history.describe(data, metric_id))

st.subheader("Targets")
widgets.table(history.targets_table(data, metric_id), f"targets_{metric_id}")

st.subheader("Observations")
observations = ui_data.metric_observations(data, metric_id)
st.markdown(history.sentence(data, metric_id, observations))
if len(observations):
    widgets.table(history.observations_table(observations, unit), f"observations_{metric_id}")
    series = ui_data.history([metric_id])
    series = series[series["as_of"] <= str(data.as_of)] if data.as_of is not None else series
    limits = history.target_lines(data, metric_id)
    charts.show(charts.metric_history(series, labels[metric_id], unit, limits))
