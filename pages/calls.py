"""Calls: the exchange's own call records, rolled up for the as-of plan week — funnel, when calls come in,
publishers and buyers (with a day's drill-down), the per-publisher compliance scorecard, and trends."""
from datetime import timedelta

import streamlit as st

from transforms import calls as tc
from transforms import fmt
from ui import calls as ui_calls
from ui import charts, widgets
from ui import data as ui_data
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
st.title("Call records")
span = ui_calls.span()
if span is None:
    st.info("No call records are loaded yet. Import a Ringba call log, a Retreaver calls report or a CDR export "
            "(CSV, XLSX or Parquet) on the **Data** page — it is recognised by its columns; for another shape choose "
            "*call records* as the target and map its columns — or from a shell: "
            "`python -m loaders calls import calls.csv` (`--map 'Caller ID=caller'` for a column the importer "
            "does not know). Caller numbers are hashed on the way in; every import can be undone.",
            icon=":material/call:")
    st.page_link("pages/data.py", label="Go to Data", icon=":material/database:")
    st.stop()

picked = widgets.picked_week()
week = picked if picked is not None else tc.default_week(span["last"], data.start)
first, last = tc.window(week, data.start)
zone = ui_calls.reporting_timezone()
st.caption(f"Plan week {week}: {first:%a %d %b} – {last:%a %d %b %Y} (days in {zone}) · calls stored from "
           f"{span['first']:%d %b %Y} to {span['last']:%d %b %Y}"
           + ("" if picked is not None else " · the week of the newest call (pick another in the sidebar)"))
daily = ui_calls.daily((), first, last)
if daily.empty:
    st.info(f"No calls in plan week {week}. Calls are stored from {span['first']:%d %b %Y} to "
            f"{span['last']:%d %b %Y}: pick one of those weeks in the sidebar.", icon=":material/event_busy:")
    st.stop()

week_total = tc.totals(daily).iloc[0]
st.subheader("Funnel")
st.markdown(tc.funnel_sentence(week_total))
funnel = tc.funnel(daily)
widgets.table(funnel, "calls_funnel")
charts.show(charts.funnel(funnel), key="calls_funnel_chart")

st.subheader("When calls come in")
grid = tc.heatmap_grid(ui_calls.heatmap(first, last))
peak = tc.busiest(grid)
if peak:
    st.markdown(tc.busiest_sentence(peak, zone))
charts.show(charts.hour_weekday(grid), key="calls_heatmap")
widgets.table(grid.reset_index(), "calls_by_hour_weekday", height=290)      # a grid: 24 columns do not wrap

by_publisher = ui_calls.daily(("publisher",), first, last)
by_buyer = ui_calls.daily(("buyer",), first, last)
days = sorted({d.date() for d in daily["day"]})
for title, key, frame in (("Publishers", "publisher", by_publisher), ("Buyers", "buyer", by_buyer)):
    st.subheader(title)
    table = tc.by_group(frame, key)
    st.markdown(f"**{len(table.data)}** {title.lower()} this week, busiest first.")
    widgets.table(table, f"calls_by_{key}")
    day = st.selectbox(f"Drill down to a day ({title.lower()})", days, index=None, placeholder="Choose a day",
                       format_func=lambda d: f"{d:%a %d %b %Y}", key=f"calls_day_{key}")
    if day is not None:
        widgets.table(tc.day_detail(frame, key, day), f"calls_by_{key}_{day:%Y%m%d}")

st.subheader("Compliance scorecard by publisher")
card = tc.scorecard(by_publisher)
st.markdown(tc.compliance_sentence(week_total))
widgets.table(card, "calls_compliance_scorecard")

st.subheader("Trends against the plan's targets")
since = max(span["first"], last - timedelta(days=27))
history = ui_calls.daily((), since, last)
rules = ui_calls.recording_rules()
series, kpis = tc.target_trends(history, rules, data.targets, data.registry, week)
st.markdown(f"Calls per day, and the **{len(rules)}** plan KPIs the recording rules compute from call records, "
            f"{since:%d %b} – {last:%d %b %Y}; status against the target due at plan week {week}. "
            "Recording writes them as observations (the button below, or `python -m loaders calls record`), so every "
            "page and alert sees them.")
charts.show(charts.daily_volume(history), key="calls_daily_volume")
widgets.table(tc.daily_table(history), "calls_daily")
widgets.table(kpis, "calls_recorded_kpis")
ui_calls.record_button(first, last)
for row in kpis.data.itertuples():
    points = series[series["metric_id"] == row.metric_id]
    if len(points) > 1:
        st.markdown(f"**{fmt.md_escape(row.KPI)}**")
        charts.show(charts.metric_history(points, row.KPI, row.unit, tc.target_lines(row)),
                    key=f"calls_trend_{row.metric_id}")
with st.expander("Recording rules: which rollup feeds which plan KPI, and why"):
    widgets.table(rules, "calls_recording_rules")
