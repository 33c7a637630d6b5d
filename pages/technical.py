"""Technical performance: SLA targets, current performance, load testing and latency against the SLAs."""
import plotly.graph_objects as go
import streamlit as st

from transforms import model, pace, technical
from transforms.calendar import week_end
from ui import data as ui_data
from ui import widgets

data = ui_data.plan_data_as_picked()
today = data.latest_date if data.week == data.data_week else week_end(data.week, data.start)
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
history = ui_data.history(list(technical.LATENCY_METRICS))
if data.week != data.data_week and len(history):
    history = history[history["as_of"] <= str(today)]
if not technical.enough_history(history):
    st.info("No latency history yet: the plan has no latency measurement (\"Unknown\"). The chart appears "
            "once at least two daily observations of api_latency_p50/p95/p99 are loaded (Data page).", icon=":material/show_chart:")
else:
    lines, limits = technical.latency_lines(history, sla)
    last = lines.sort_values("as_of").groupby("percentile").last()
    st.markdown("Latest: " + ", ".join(f"**{p} {v:.1f} ms** (SLA < {limits.get(p, float('nan')):g} ms)"
                                       for p, v in last["value"].items()) + ".")
    colours = {"p50": "#1f77b4", "p95": "#ff7f0e", "p99": "#d62728"}
    traces, shapes, notes = [], [], []
    for percentile, group in lines.groupby("percentile"):
        colour = colours.get(percentile)
        traces.append(dict(type="scatter", x=group["as_of"].to_numpy(), y=group["value"].to_numpy(), mode="lines",
                           name=f"{percentile} latency", line=dict(color=colour)))
        if percentile in limits:        # SLA lines as layout shapes: add_hline re-validated the figure each time
            y = limits[percentile]
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=y, y1=y, line=dict(dash="dash", color=colour)))
            notes.append(dict(xref="paper", x=1, xanchor="right", y=y, yanchor="bottom", showarrow=False,
                              text=f"{percentile} SLA < {y:g} ms"))
    fig = go.Figure(dict(data=traces, layout=dict(
        height=340, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(title=dict(text="ms")),
        legend=dict(orientation="h", y=-0.2), shapes=shapes, annotations=notes)))
    st.plotly_chart(fig, config={"displayModeBar": False})
    widgets.table(technical.latency_table(lines), "latency_history")
