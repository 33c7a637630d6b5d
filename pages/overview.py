"""Executive overview: the health score, its categories, progress, risk and pipeline."""
import plotly.graph_objects as go
import streamlit as st

from transforms import audit as plan_audit
from transforms import fmt, overview
from ui import data as ui_data
from ui import widgets
from ui.sample import sample_controls

data = ui_data.plan_data_as_picked()
snapshot = ui_data.plan_data(0)       # the plan's own week-0 rows: what its stated totals are checked against
health, stated = overview.health(data), overview.health(snapshot)
met, total = overview.overall_progress(data)
pipeline, low, high = overview.pipeline(data)

st.title("Executive overview")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
st.markdown(overview.health_sentence(health, stated, data.week))

c1, c2, c3, c4 = st.columns(4)
c1.metric("Health score (computed)", f"{fmt.score(health.computed)} / 100", border=True)
c2.metric("Stated in the plan (week 0)", f"{fmt.score(stated.stated, 0)} / 100" if stated.stated is not None else "—",
          delta=f"⚠ its rows give {fmt.score(stated.computed, 2)}" if not stated.consistent else "consistent",
          delta_color="off", delta_arrow="off", border=True)
c3.metric("Overall progress", fmt.pct(met / total * 100 if total else 0, 0),
          help=f"{met} of {total} milestone targets met", border=True)
c4.metric("Revenue pipeline", fmt.money(pipeline) if pipeline is not None else "no data",
          help=f"Target {fmt.money(low)} – {fmt.money(high)} annually", border=True)
st.markdown(overview.status_sentence(data))

st.subheader("Health score by category")
st.markdown(overview.targets_sentence(overview.health_targets(data)))
widgets.table(overview.category_table(health.contributions), "health_categories")

st.subheader("Health score trend")
trend = overview.health_trend(ui_data.history(list(health.contributions["metric_id"]), extremes=False),
                              health.contributions[["metric_id", "weight"]])
if len(trend) < 2:
    st.info("The plan is a single week-0 snapshot, so there is no trend yet. It appears once daily "
            "category scores are loaded on the Data page.", icon=":material/show_chart:")
    sample_controls("overview")
else:
    # one constructor call: add_hline/update_layout each re-validate the whole figure
    marks = overview.trend_marks(health, stated)
    fig = go.Figure(dict(
        data=[dict(type="scatter", x=trend["as_of"].to_numpy(), y=trend["health_score"].to_numpy(), mode="lines",
                   name="Health score")],
        layout=dict(yaxis=dict(range=[0, 100]), height=320, margin=dict(l=10, r=10, t=10, b=10),
                    shapes=[dict(type="line", xref="paper", x0=0, x1=1, y0=y, y1=y, line=dict(dash=d, color=c))
                            for y, d, c, _ in marks],
                    annotations=[dict(xref="paper", x=1, xanchor="right", y=y, yanchor="bottom", text=t,
                                      showarrow=False) for y, _, _, t in marks])))
    st.plotly_chart(fig, config={"displayModeBar": False})
    widgets.table(overview.trend_table(trend), "health_trend")

st.subheader("Consistency audit")
audit = overview.audit_table(snapshot)
st.markdown(overview.audit_sentence(audit))
widgets.table(overview.audit_display(audit), "consistency_audit")
st.caption(plan_audit.PRECISION_RULE)

st.subheader("Contradictions between parts of the plan")
contradictions = overview.plan_contradictions(snapshot)
st.markdown(plan_audit.contradictions_sentence(contradictions))
widgets.table(plan_audit.contradiction_table(contradictions), "plan_contradictions")
