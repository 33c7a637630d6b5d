"""Technical performance: SLA targets, current performance, load testing and latency against the SLAs."""
import streamlit as st

from transforms import model, pace, technical
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
today = data.as_of
trends = ui_data.trend_inputs(data)


def section(name):
    return pace.pace(model.target_rows(data, name), trends, today, data.start)


sla, current, load = section("sla"), section("current_performance"), section("load_testing")

st.title("Technical performance")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

st.subheader("Performance SLAs")
st.markdown(model.progress_sentence(sla, "SLA targets") + " " + pace.summary_sentence(sla, "SLAs"))
st.caption(pace.METHOD)
widgets.table(technical.sla_table(sla), "sla_targets")

st.subheader("Current performance status")
open_actions = int((current["status"] != "met").sum())
st.markdown(model.progress_sentence(current, "components") +
            f" {open_actions} action{'s' if open_actions != 1 else ''} still required.")
widgets.table(technical.performance_table(current), "current_performance")

st.subheader("Load testing")
st.markdown(model.progress_sentence(load, "load-test scenarios") + " " + pace.summary_sentence(load, "scenarios"))
widgets.table(technical.load_table(load), "load_testing")

st.subheader("API latency against the SLAs")
history = technical.up_to(ui_data.history(list(technical.LATENCY_METRICS)), today)
if not technical.enough_history(history):
    st.info("No latency history yet: the plan has no latency measurement (\"Unknown\"). The chart appears "
            "once at least two daily observations of api_latency_p50/p95/p99 are loaded (Data page).", icon=":material/show_chart:")
else:
    lines, limits = technical.latency_lines(history, sla)
    st.markdown(technical.latency_sentence(lines, limits))
    charts.show(charts.latency_against_slas(lines, limits))
    widgets.table(technical.latency_table(lines), "latency_history")
