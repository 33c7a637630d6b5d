"""Every chart the app draws: one function per chart, named after what it shows, and `show` to render one.

Figures are built in one constructor call (plotly re-validates the whole figure on each add_* /
update_* call) from numpy arrays. Lines break where data is missing (connectgaps off), and
reference lines carry their labels on the left margin, clear of the data.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from transforms import alerts, fmt, status
from transforms.projection import Baseline, Projection

CONFIG = {"displayModeBar": False}          # no toolbar: nothing to lay out on every redraw
MARGIN = dict(l=10, r=10, t=10, b=10)


def show(fig, key: str | None = None) -> None:
    """Render a figure with the app's chart config (None: nothing to draw)."""
    if fig is not None:
        st.plotly_chart(fig, config=CONFIG, key=key)


def sparkline(values: list[float | None], state: str, width: int = 300, height: int = 40) -> str | None:
    """A headline's weekly values as a small SVG line (None: fewer than two values), coloured by its status:
    the line breaks where a week has no value, and a dot marks the last one (the number on the tile).
    An image, not a chart: a tile draws it without loading a charting library into the browser."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    pad = 4
    step = (width - 2 * pad) / (len(values) - 1)

    def point(i: int, v: float) -> tuple[float, float]:
        y = height / 2 if high == low else pad + (high - v) / (high - low) * (height - 2 * pad)
        return round(pad + i * step, 1), round(y, 1)

    runs, run = [], []
    for i, v in enumerate(values + [None]):
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point(i, v))
    colour = status.COLOUR.get(state, status.COLOUR[status.NO_DATA])
    lines = "".join(f'<polyline points="{" ".join(f"{x},{y}" for x, y in r)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" stroke-linejoin="round"/>' for r in runs if len(r) > 1)
    last = point(max(i for i, v in enumerate(values) if v is not None), known[-1])
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}"/>' for r in runs if len(r) == 1 for x, y in r)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{lines}{dots}'
            f'<circle cx="{last[0]}" cy="{last[1]}" r="3.5" fill="{colour}"/></svg>')


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


def _count_axis(values, **axis) -> dict:
    """A y axis for counts: whole-number ticks (plotly puts 0.5 steps on a small range such as 0–3 calls)."""
    top = pd.Series(values, dtype="float64").max()
    return dict(axis, tickformat=",d", **({"dtick": 1} if pd.isna(top) or top <= 6 else {}))


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
                    yaxis=_count_axis([*days, *(y for y, _ in limits)], title=dict(text=unit))
                    if unit == "count" else dict(title=dict(text=unit)))))


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


# --- /phases ------------------------------------------------------------------------------------

def milestone_timeline(line: pd.DataFrame, week: int) -> go.Figure:
    """Every milestone with a due week as a dot in its lane, coloured by status; a dotted line at `week`.
    Dots due the same week in one lane fan out (columns of five) so none hides another."""
    lanes = list(dict.fromkeys(line["lane"]))
    data = [dict(type="scatter", mode="markers", name=group["state_label"].iloc[0],
                 x=(group["due_week"] + (group["offset"] % 5) * 0.12 - 0.24).tolist(),
                 y=(group["lane"].map(lanes.index) + (group["offset"] // 5) * 0.18).tolist(),
                 marker=dict(size=13, color=group["colour"].iloc[0], line=dict(width=1, color="#333")),
                 text=(group["label"] + " — " + group["text_as_written"].astype(str)).tolist(),
                 hovertemplate="Week %{x:.0f}: %{text}<extra></extra>")
            for _, group in line.groupby("status", sort=False)]
    return go.Figure(dict(data=data, layout=dict(
        shapes=[dict(type="line", x0=week, x1=week, yref="paper", y0=0, y1=1, line=dict(dash="dot", color="#555"))],
        height=340, margin=MARGIN, legend=dict(orientation="h", y=-0.2),
        xaxis=dict(title=dict(text="Plan week"), range=[0.4, 12.6], dtick=1),
        yaxis=dict(tickvals=list(range(len(lanes))), ticktext=lanes, range=[-0.5, len(lanes) - 0.1]))))


# --- /security ----------------------------------------------------------------------------------

_STATE_SHADE = {"met": 0, "no_target": 0, "partial": 1, "not_met": 2, "no_data": 3}     # no data = grey, never 0
_SHADES = [[0, "#b7e1b1"], [0.25, "#b7e1b1"], [0.25, "#ffe08a"], [0.5, "#ffe08a"],
           [0.5, "#f4a3a3"], [0.75, "#f4a3a3"], [0.75, "#d9d9d9"], [1, "#d9d9d9"]]


def vulnerability_heatmap(counts: pd.DataFrame, targets: pd.DataFrame, states: pd.DataFrame) -> go.Figure:
    """Open vulnerabilities per category × severity, shaded by status against the cell's target."""
    z = [[_STATE_SHADE.get(states.loc[r, c]) for c in counts.columns] for r in counts.index]
    text = [[("no data" if pd.isna(counts.loc[r, c]) else fmt.number(counts.loc[r, c], 0))
             + f"<br>target {targets.loc[r, c]}" for c in counts.columns] for r in counts.index]
    return go.Figure(dict(data=[dict(
        type="heatmap", z=z, x=[c.title() for c in counts.columns], y=list(counts.index), text=text,
        texttemplate="%{text}", zmin=0, zmax=3, showscale=False, colorscale=_SHADES,
        hovertemplate="%{y}, %{x}: %{text}<extra></extra>")],
        layout=dict(height=300, margin=MARGIN, yaxis=dict(autorange="reversed"))))


def compliance_risk_exposure(risks: pd.DataFrame) -> go.Figure:
    """Exposure and the expected loss left at the protection reached, per violation type."""
    names = list(risks["violation_type"])
    bars = [dict(type="bar", orientation="h", y=names, x=list(risks["annual_risk"]), name="Annual exposure",
                 marker=dict(color="#d9d9d9"), hovertemplate="%{y}: exposure %{x:$,.0f}<extra></extra>"),
            dict(type="bar", orientation="h", y=names, x=list(risks["expected_loss"]), name="Expected loss now",
                 marker=dict(color="#d62728"), text=[fmt.money(v) for v in risks["expected_loss"]],
                 textposition="outside", cliponaxis=False,
                 hovertemplate="%{y}: expected loss %{x:$,.0f}<extra></extra>")]
    return go.Figure(dict(data=bars, layout=dict(
        barmode="overlay", height=260, margin=dict(l=10, r=40, t=10, b=10), legend=dict(orientation="h", y=-0.2),
        xaxis=dict(tickprefix="$", tickformat="~s"), yaxis=dict(autorange="reversed"))))


# --- /teams -------------------------------------------------------------------------------------

def velocity_heatmap(grid: pd.DataFrame, capacity: float) -> go.Figure:
    """Story points per team (rows) and plan week (columns), shaded up to the largest team capacity."""
    return go.Figure(dict(data=[dict(
        type="heatmap", z=grid.to_numpy().tolist(), x=[f"W{w}" for w in grid.columns], y=list(grid.index),
        text=grid.map(lambda v: "" if pd.isna(v) else f"{v:.0f}").to_numpy().tolist(), texttemplate="%{text}",
        colorscale="Greens", zmin=0, zmax=capacity, colorbar=dict(title=dict(text="pts")),
        hovertemplate="%{y}, %{x}: %{z} pts<extra></extra>")],
        layout=dict(height=300, margin=MARGIN, yaxis=dict(autorange="reversed"))))


# --- /alerts ------------------------------------------------------------------------------------

ALERT_PHASE_COLOURS = {"pending": "#ff9f1c", "firing": "#d62728"}


def alert_timeline(ev) -> go.Figure | None:
    """One horizontal bar per pending/firing stretch of each alert (None: nothing ever held).

    Built once per evaluation (shared per data version by ui.data, so warm reruns reuse it), as plain
    bars on a date axis in one constructor call: a profile of /alerts showed `px.timeline` ~120 ms per
    rerun (express's frame grouping, then an update per trace)."""
    if "_timeline_figure" not in ev.__dict__:
        ev.__dict__["_timeline_figure"] = _alert_bars(alerts.timeline(ev))
    return ev.__dict__["_timeline_figure"]


def _alert_bars(segments: pd.DataFrame) -> go.Figure | None:
    if segments.empty:
        return None
    order = list(dict.fromkeys(segments["alert"]))              # first seen first, top to bottom
    data = []
    for phase in ("pending", "firing"):
        part = segments[segments["phase"] == phase]
        if part.empty:
            continue
        start, finish = pd.to_datetime(part["start"]), pd.to_datetime(part["finish"])
        data.append(dict(
            type="bar", orientation="h", name=phase, y=part["alert"].tolist(),
            base=[f"{t:%Y-%m-%d %H:%M:%S}" for t in start],
            x=((finish - start).dt.total_seconds() * 1000).tolist(),     # a date axis counts milliseconds
            marker=dict(color=ALERT_PHASE_COLOURS[phase]),
            customdata=list(zip(start.dt.strftime("%d %b %Y"), finish.dt.strftime("%d %b %Y"),
                                part["severity"], part["metric_id"].fillna("—"))),
            hovertemplate=("%{y}<br>" + phase + " %{customdata[0]} → %{customdata[1]}<br>"
                           "severity %{customdata[2]} · %{customdata[3]}<extra></extra>")))
    return go.Figure(dict(data=data, layout=dict(
        height=120 + 28 * len(order), margin=MARGIN, barmode="overlay",
        xaxis=dict(type="date"), yaxis=dict(categoryorder="array", categoryarray=order, autorange="reversed"),
        legend=dict(title=dict(text="")))))


# --- /business (redrawn on every lever move) ---------------------------------------------------

_MARGIN = dict(l=10, r=10, t=30, b=10)
MONEY_AXIS = dict(tickprefix="$", tickformat="~s")


def _figure(data: list[dict], height: int, **layout) -> go.Figure:
    """One figure from plain dicts in a single constructor call.

    Profile of a slider move: `add_vline`/`add_vrect`/`update_layout` each re-validate and re-walk the
    whole figure (plotly's `_process_multiple_axis_spanning_shapes`, `batch_update`); building the
    dict once is several times cheaper. Validation itself (deep copies of every property) was then
    ~4 ms a figure of a ~55 ms slider move, so these figures skip it (plotly's own `_validate`
    switch); tests/test_scenarios.py validates each of them in full.
    """
    return go.Figure(dict(data=data, layout=dict(height=height, margin=_MARGIN, **layout)), _validate=False)


def revenue_by_month(proj: Projection, base: Baseline) -> go.Figure:
    """The scenario's streams stacked by month, with the plan's total dashed over them."""
    m = proj.monthly
    months = m["month"].tolist()      # plain lists: numpy arrays cost a read-only copy + base64 typed-array encoding
    data = [dict(type="scatter", x=months, y=m[sid].tolist(), name=name, stackgroup="s", mode="none",
                 hovertemplate="%{y:$,.0f}")
            for sid, name in zip(base.stream_ids, base.streams["stream"])]
    data.append(dict(type="scatter", x=months, y=m["plan_total"].tolist(), name="Plan total",
                     line=dict(color="black", dash="dash"), mode="lines+markers", hovertemplate="%{y:$,.0f}"))
    return _figure(data, 360, xaxis=dict(title=dict(text="Month"), dtick=1), yaxis=MONEY_AXIS,
                   legend=dict(orientation="h", y=-0.25))


def annual_revenue_range(proj: Projection, plan: Projection, base: Baseline, mc: dict) -> go.Figure:
    """Scenario and plan annual totals and the Monte Carlo P10–P90 (P50 tick) over the target band."""
    money = lambda v: fmt.money(v, 2)   # noqa: E731
    low, high = base.range_low, base.range_high
    band = dict(type="rect", xref="x", yref="paper", x0=low, x1=high, y0=0, y1=1, fillcolor="#2ca02c",
                opacity=0.12, line=dict(width=0), layer="below")
    edges = [dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, layer="above",
                  line=dict(dash="dot", color="#2ca02c")) for x in (low, high)]
    note = dict(x=(low + high) / 2, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                text=f"target range {money(low)}–{money(high)}", font=dict(color="#2ca02c"))
    data = [
        dict(type="bar", y=["This scenario", "Plan annual target"], x=[proj.annual_total, plan.annual_total],
             orientation="h", marker=dict(color=["#1f77b4", "#9aa5b1"]), textposition="outside",
             cliponaxis=False, text=[money(proj.annual_total), money(plan.annual_total)]),
        dict(type="bar", y=["P10–P90"], x=[mc["p90"] - mc["p10"]], base=[mc["p10"]], orientation="h",
             marker=dict(color="#aec7e8"), text=[f"{money(mc['p10'])}–{money(mc['p90'])}"],
             textposition="outside", cliponaxis=False),
        dict(type="scatter", y=["P10–P90"], x=[mc["p50"]], mode="markers", hovertemplate="P50 %{x:$,.0f}",
             marker=dict(symbol="line-ns-open", size=22, line=dict(width=3), color="#1f3b57")),
    ]
    top = max(proj.annual_total, plan.annual_total, mc["p90"], high) * 1.25
    return _figure(data, 260, barmode="overlay", showlegend=False, shapes=[band, *edges], annotations=[note],
                   xaxis=dict(**MONEY_AXIS, range=[0, top]),
                   yaxis=dict(categoryorder="array", categoryarray=["P10–P90", "This scenario", "Plan annual target"]))


def cost_avoidance_waterfall(proj: Projection) -> go.Figure:
    """Cost avoidance by risk, stacking to the total (issue #4 asks for the waterfall)."""
    costs = proj.costs
    data = [dict(type="waterfall", x=list(costs["risk"]) + ["Total"], measure=["relative"] * len(costs) + ["total"],
                 y=list(costs["savings"]) + [0], textposition="outside", cliponaxis=False, textangle=0,
                 text=[fmt.money(v) for v in costs["savings"]] + [fmt.money(proj.cost_avoidance)])]
    return _figure(data, 240, showlegend=False,
                   yaxis=dict(**MONEY_AXIS, range=[0, max(proj.cost_avoidance, 1) * 1.2]))


# --- /calls (inputs: the small aggregated frames of transforms/calls.py, never call rows) ------------

FUNNEL_COLOURS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"]


def funnel(table) -> go.Figure | None:
    """Incoming → connected → billable → converted, with each stage's share of incoming."""
    data = table.data
    if data.empty or not data["Calls"].sum():
        return None
    return go.Figure(dict(
        data=[dict(type="funnel", y=list(data["Stage"]), x=data["Calls"].to_numpy(),
                   texttemplate="%{value:,} · %{percentInitial:.1%}",       # 13,747 as in the table, not 13.747k
                   hovertemplate="%{y}: %{value:,} calls<extra></extra>", marker=dict(color=FUNNEL_COLOURS[:len(data)]))],
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
                    yaxis=_count_axis(daily[[c for c, _, _ in lines]].to_numpy().ravel(),
                                      title=dict(text="calls"), rangemode="tozero"))))
