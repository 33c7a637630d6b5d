"""Every chart the app draws: one function per chart, named after what it shows, and `show` to render one.

Figures are built in one constructor call (plotly re-validates the whole figure on each add_* /
update_* call) from numpy arrays. Lines break where data is missing (connectgaps off), and
reference lines carry their labels on the left margin, clear of the data.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

CONFIG = {"displayModeBar": False}          # no toolbar: nothing to lay out on every redraw
MARGIN = dict(l=10, r=10, t=10, b=10)


def show(fig, key: str | None = None) -> None:
    """Render a figure with the app's chart config (None: nothing to draw)."""
    if fig is not None:
        st.plotly_chart(fig, config=CONFIG, key=key)


def _reference_traces(marks, x) -> list[dict]:
    """Horizontal reference lines [(y, dash, colour, label)] as dashed traces across the x range `x`:
    their labels go to the legend, so they never sit on top of the data, at any width."""
    ends = [x.min(), x.max()] if len(x) else []
    return [dict(type="scatter", x=ends, y=[y, y], mode="lines", name=label, hoverinfo="name",
                 line=dict(dash=dash, color=colour, width=1)) for y, dash, colour, label in marks]


LEGEND_TOP = dict(orientation="h", y=1.02, yanchor="bottom", x=0, xanchor="left")


def health_trend(trend, marks) -> go.Figure:
    """The daily health score (gaps where no category was observed) with the plan's reference lines."""
    x = trend["as_of"].to_numpy()
    return go.Figure(dict(
        data=[dict(type="scatter", x=x, y=trend["health_score"].to_numpy(), mode="lines",
                   name="Health score", connectgaps=False, line=dict(color="#1f77b4", width=2))]
        + _reference_traces(marks, x),
        layout=dict(yaxis=dict(range=[0, 100], title=dict(text="score /100")), height=320,
                    margin=dict(l=10, r=10, t=30, b=10), legend=LEGEND_TOP)))


def metric_history(series, label: str, unit: str, limits: list[tuple[float, str]]) -> go.Figure:
    """One metric's daily values (gaps where there is none) with its targets as reference lines."""
    days = series.set_index(pd.to_datetime(series["as_of"]))["value"].sort_index()
    if len(days) > 1:
        days = days.groupby(level=0).mean().asfreq("D")     # NaN on days without a value: the line breaks
    return go.Figure(dict(
        data=[dict(type="scatter", x=days.index.to_numpy(), y=days.to_numpy(), mode="lines+markers",
                   marker=dict(size=4), name=label, connectgaps=False, line=dict(color="#1f77b4", width=2))]
        + _reference_traces([(y, "dash", "#2ca02c", text) for y, text in limits], days.index.to_numpy()),
        layout=dict(height=320, margin=dict(l=10, r=10, t=30, b=10), legend=LEGEND_TOP,
                    yaxis=dict(title=dict(text=unit)))))


LATENCY_COLOURS = {"p50": "#1f77b4", "p95": "#ff7f0e", "p99": "#d62728"}


def latency_against_slas(lines, limits: dict[str, float]) -> go.Figure:
    """API latency percentiles per day, each with its SLA as a dashed line labelled at the left margin."""
    traces = []
    for percentile, group in lines.groupby("percentile"):
        days = group.set_index(pd.to_datetime(group["as_of"]))["value"].sort_index()
        days = days.groupby(level=0).mean().asfreq("D") if len(days) > 1 else days
        traces.append(dict(type="scatter", x=days.index.to_numpy(), y=days.to_numpy(), mode="lines",
                           name=f"{percentile} latency", connectgaps=False,
                           line=dict(color=LATENCY_COLOURS.get(percentile))))
    marks = [(y, "dash", LATENCY_COLOURS.get(p, "#555"), f"{p} SLA < {y:g} ms") for p, y in sorted(limits.items())]
    x = pd.to_datetime(lines["as_of"]).to_numpy()
    return go.Figure(dict(data=traces + _reference_traces(marks, x), layout=dict(
        height=360, margin=dict(l=10, r=10, t=30, b=10), yaxis=dict(title=dict(text="ms"), rangemode="tozero"),
        legend=LEGEND_TOP)))
