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


def _reference_lines(marks) -> tuple[list[dict], list[dict]]:
    """(shapes, annotations) for horizontal reference lines [(y, dash, colour, label)], labels at the left."""
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, y0=y, y1=y, line=dict(dash=d, color=c, width=1))
              for y, d, c, _ in marks]
    notes = [dict(xref="paper", x=0.01, xanchor="left", y=y, yanchor="bottom", text=t, showarrow=False,
                  font=dict(size=11, color=c), bgcolor="rgba(255,255,255,0.8)") for y, _, c, t in marks]
    return shapes, notes


def health_trend(trend, marks) -> go.Figure:
    """The daily health score (gaps where no category was observed) with the plan's reference lines."""
    shapes, notes = _reference_lines(marks)
    return go.Figure(dict(
        data=[dict(type="scatter", x=trend["as_of"].to_numpy(), y=trend["health_score"].to_numpy(), mode="lines",
                   name="Health score", connectgaps=False, line=dict(color="#1f77b4", width=2))],
        layout=dict(yaxis=dict(range=[0, 100], title=dict(text="score /100")), height=300, margin=MARGIN,
                    shapes=shapes, annotations=notes, showlegend=False)))


def metric_history(series, label: str, unit: str, limits: list[tuple[float, str]]) -> go.Figure:
    """One metric's daily values (gaps where there is none) with its targets as reference lines."""
    shapes, notes = _reference_lines([(y, "dash", "#2ca02c", text) for y, text in limits])
    days = series.set_index(pd.to_datetime(series["as_of"]))["value"].sort_index()
    if len(days) > 1:
        days = days.groupby(level=0).mean().asfreq("D")     # NaN on days without a value: the line breaks
    return go.Figure(dict(
        data=[dict(type="scatter", x=days.index.to_numpy(), y=days.to_numpy(), mode="lines+markers",
                   marker=dict(size=4), name=label, connectgaps=False, line=dict(color="#1f77b4", width=2))],
        layout=dict(height=300, margin=MARGIN, shapes=shapes, annotations=notes, showlegend=False,
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
    shapes, notes = _reference_lines(marks)
    return go.Figure(dict(data=traces, layout=dict(
        height=340, margin=dict(l=10, r=10, t=10, b=40), yaxis=dict(title=dict(text="ms"), rangemode="tozero"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
        shapes=shapes, annotations=notes)))
