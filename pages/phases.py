"""Phase progress: milestone tables of the three phases, pace, the 12-week timeline and the checklists."""
import streamlit as st

from transforms import model, pace, phases
from transforms.calendar import week_end
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
today = data.latest_date if data.week == data.data_week else week_end(data.week, data.start)
rows = phases.paced_milestones(data, ui_data.trend_inputs(data), today)
progress = phases.progress(rows)
checklist_weeks = ui_data.plan_data_at_weeks(phases.CHECKLIST_WEEKS, data.week)
record, summary, checklist_tables = phases.checklist_view(data, checklist_weeks)

st.title("Phase progress")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

overall = progress.iloc[-1]
st.markdown(f"As of plan week **{data.week}/12**: **{overall['Met']} of {overall['Total']}** phase milestone "
            f"targets met ({overall['Progress']}) — "
            + "; ".join(f"{r.Phase} {r.Met}/{r.Total}" for r in progress.iloc[:-1].itertuples()) + ".")
cols = st.columns(len(progress))
for col, r in zip(cols, progress.itertuples()):
    col.metric(r.Phase, f"{r.Met} / {r.Total}", help=r.Scope, border=True)
    col.progress(r.Met / r.Total if r.Total else 0.0)
st.markdown(pace.summary_sentence(rows, "milestone targets"))
st.caption(pace.METHOD)

for number, title, sections in phases.PHASES:
    st.subheader(title)
    part = rows[rows["section"].isin(sections)]
    st.markdown(model.progress_sentence(part, f"Phase {number} targets"))
    if number == 2:
        for section, name in (("phase2_business", "Business value"), ("phase2_performance", "Performance targets")):
            st.markdown(f"**{name}** — week 4 and week 8 targets side by side; current, status and pace "
                        f"against the target in force at week {data.week}.")
            widgets.table(phases.side_by_side(part[part["section"] == section], data.week), section)
    else:
        for section in sections:
            if len(sections) > 1:
                st.markdown(f"**Week {section[-1]} milestones**")
            widgets.table(phases.week_table(part[part["section"] == section]), section)

st.subheader("12-week milestone timeline")
line = phases.timeline(data, checklist_weeks)
st.markdown(f"{len(line)} milestones with a due week. Phase targets are coloured by their status now; checklist "
            f"items by how they stood at the end of their week once it is over. The dotted line marks plan week "
            f"{data.week}.")
charts.show(charts.milestone_timeline(line, data.week))
widgets.table(phases.timeline_table(line), "milestone_timeline")

st.subheader("Weekly milestones and celebrations")
due = summary[summary["due"]]
st.markdown(f"**{int(due['complete'].sum())} of {len(due)}** weekly checklists due by week {data.week} were complete "
            f"at the end of their week; {int(due['earned'].sum())} of {int(due['total'].sum())} of their items "
            f"earned, {int(record.loc[record['due'], 'holds'].sum())} hold now. An item with several targets is met "
            "only when all of them are.")
st.caption(phases.RULES)
for row in summary.to_dict("records"):
    title = (f"Week {row['week']}: {row['earned']} of {row['total']} earned" if row["due"]
             else f"Week {row['week']} (not over): {row['holds']} of {row['total']} met so far")
    with st.expander(title, expanded=row["week"] <= 2):
        st.markdown(phases.celebration_line(row))
        widgets.table(checklist_tables[row["week"]], f"checklist_week_{row['week']}")
