"""The /calls page's charts: one function per chart, each a plotly figure built in one constructor call
(as ui/charts.py does), rendered with `ui.charts.show`. Inputs are the small aggregated frames of
transforms/calls.py, never call rows."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.charts import LEGEND_TOP, MARGIN

FUNNEL_COLOURS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"]


def funnel(table) -> go.Figure | None:
    """Incoming → connected → billable → converted, with each stage's share of incoming."""
    data = table.data
    if data.empty or not data["Calls"].sum():
        return None
    return go.Figure(dict(
        data=[dict(type="funnel", y=list(data["Stage"]), x=data["Calls"].to_numpy(), textinfo="value+percent initial",
                   marker=dict(color=FUNNEL_COLOURS[:len(data)]))],
        layout=dict(height=260, margin=MARGIN)))


def hour_weekday(grid: pd.DataFrame) -> go.Figure | None:
    """Calls per hour (x, reporting time zone) and weekday (y, Monday on top)."""
    if grid.to_numpy().sum() == 0:
        return None
    return go.Figure(dict(
        data=[dict(type="heatmap", z=grid.to_numpy(), x=list(grid.columns), y=list(grid.index),
                   colorscale="Blues", hovertemplate="%{y} %{x}:00 — %{z} calls<extra></extra>",
                   colorbar=dict(title=dict(text="calls")))],
        layout=dict(height=300, margin=MARGIN, yaxis=dict(autorange="reversed"),
                    xaxis=dict(title=dict(text="hour of day (reporting time zone)")))))


def daily_volume(daily: pd.DataFrame) -> go.Figure | None:
    """Incoming, connected and billable calls per day."""
    if daily.empty:
        return None
    days = pd.to_datetime(daily["day"]).to_numpy()
    lines = [("incoming_calls", "Incoming", "#1f77b4"), ("connected_calls", "Connected", "#2ca02c"),
             ("billable_calls", "Billable", "#ff7f0e")]
    return go.Figure(dict(
        data=[dict(type="scatter", x=days, y=daily[c].to_numpy(), mode="lines+markers", name=name,
                   marker=dict(size=5), line=dict(color=colour, width=2)) for c, name, colour in lines],
        layout=dict(height=300, margin=dict(l=10, r=10, t=30, b=10), legend=LEGEND_TOP,
                    yaxis=dict(title=dict(text="calls"), rangemode="tozero"))))
