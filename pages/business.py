"""Business impact: revenue, cost avoidance, ROI and customers as of the chosen week, then what-if scenarios."""
import streamlit as st

from transforms import business as biz
from transforms import fmt, model, overview, pace
from transforms.export import to_csv_bytes
from transforms import projection as pj
from transforms import scenarios as sc
from ui import charts
from ui import data as ui_data
from ui import scenarios, widgets
from ui.assumptions import investment_editor
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
base, plan = sc.baseline(data), sc.plan_projection(data)
trends = ui_data.trend_inputs(data)
specs = sc.lever_specs(base)
money, S = fmt.money, base.stated
K = "biz_"                                          # session-state prefix of the levers


def paced(rows):
    return pace.pace(rows, trends, data.as_of, data.start)


st.title("Business impact")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

st.subheader("Revenue streams")
streams = paced(biz.stream_rows(data))
st.markdown(biz.revenue_sentence(streams, overview.pipeline(data), data.week) + " " +
            pace.summary_sentence(streams, "streams"))
widgets.table(biz.revenue_table(streams), "revenue_streams")
st.caption(biz.REVENUE_RULE)
pipeline = paced(biz.pipeline_rows(data))
widgets.table(model.kpi_table(pipeline, biz.KPI_COLUMNS), "revenue_pipeline")

st.subheader("Cost avoidance")
ca, protection = biz.cost_avoidance_achieved(data), paced(biz.protection_rows(data))
st.markdown(biz.cost_sentence(ca, protection))
widgets.table(biz.protection_table(protection), "cost_avoidance")
st.caption(biz.COST_RULE)

st.subheader("Return on investment")
inv = base.investment
st.markdown(biz.roi(data).sentence() + ".")
investment_editor(base, K + "investment")

st.subheader("Customer acquisition")
customers = paced(biz.kpi_rows(data, "customer_acquisition"))
st.markdown(model.progress_sentence(customers, "customer KPIs") + " " + pace.summary_sentence(customers, "KPIs") +
            " Targets in force are the plan's month-3 figures, due at week 13.")
widgets.table(biz.customer_table(customers, data.plan["customer_acquisition"]), "customer_acquisition")
st.subheader("Market position")
market = paced(biz.kpi_rows(data, "market_position"))
st.markdown(model.progress_sentence(market, "market KPIs") + " " + pace.summary_sentence(market, "KPIs") +
            " The plan gives these targets no date: each is judged as a standing target.")
widgets.table(biz.market_table(market, data.plan["market_position"]), "market_position")

st.header("What-if scenarios")
st.markdown(
    "Move the levers: the projection, the annual total, cost avoidance and ROI follow. **Annual total** is the "
    f"plan's annual target ({money(plan.annual_total)}) moved by the levers in proportion to the revenue "
    "months 1–12 deliver against the plan's curve; the plan's month columns are levels, joined by a monotone "
    f"curve. **Investment** starts from the stored assumption above: {inv.basis(money)}.")


def set_levers(levers: dict) -> None:
    for key, value in levers.items():
        st.session_state[K + key] = float(value)


def on_preset() -> None:
    if st.session_state.get("biz_preset"):
        set_levers(sc.preset_levers(base, st.session_state["biz_preset"]))


if K + specs[0].key not in st.session_state:
    set_levers(base.neutral_levers())


def lever(spec: sc.Lever) -> float:
    kw = dict(min_value=float(spec.min), max_value=float(spec.max), step=float(spec.step), format=spec.format,
              key=K + spec.key, help=spec.help)
    if spec.widget != "number":
        return st.slider(spec.label, **kw)
    value = st.number_input(spec.label, **kw)
    st.caption(money(value, exact=True))         # the input cannot show thousands separators itself
    return value


def vs_plan(value: float, planned: float) -> str | None:
    return None if abs(value - planned) < 0.5 else f"{money(value - planned, 2)} vs plan"


@st.fragment
def what_if() -> None:
    st.segmented_control("Start from a preset", list(sc.PRESETS), key="biz_preset", on_change=on_preset)
    cols = st.columns(3)
    groups = {"revenue": cols[0], "customers": cols[1], "investment": cols[1], "protection": cols[2]}
    cols[0].markdown("**Revenue streams** (% of plan)")
    cols[1].markdown("**Customers and investment**")
    cols[2].markdown("**Target protection per risk**")
    levers = {}
    for spec in specs:
        with groups[spec.group]:
            levers[spec.key] = lever(spec)
    with st.expander("Uncertainty: ranges for a Monte Carlo band (10,000 seeded draws)"):
        ranges = {name: st.slider(label, float(lo), float(hi), tuple(map(float, default)), float(step),
                                  format=f, key=f"biz_mc_{name}")
                  for name, (label, lo, hi, step, f, default) in sc.MC_RANGES.items()}
    proj = pj.project(base, levers)
    mc = pj.monte_carlo(base, levers, ranges)

    money2 = lambda v: money(v, 2)   # noqa: E731
    st.markdown(pj.verdict(proj.annual_total, base.range_low, base.range_high, money2) +
                f" P10–P90 over the ranges you set: **{money2(mc['p10'])}–{money2(mc['p90'])}** "
                f"(P50 {money2(mc['p50'])}).")
    m = st.columns(4)
    m[0].metric("Annual revenue", money(proj.annual_total, 2), vs_plan(proj.annual_total, plan.annual_total),
                border=True)
    m[1].metric("Month-12 level", money(proj.month_12, 2), vs_plan(proj.month_12, plan.month_12), border=True)
    m[2].metric("Cost avoidance", money(proj.cost_avoidance), vs_plan(proj.cost_avoidance, plan.cost_avoidance),
                border=True)
    m[3].metric(f"ROI (target {fmt.pct(base.roi_target_pct, 0)})", fmt.pct(proj.roi_pct, 0),
                f"{fmt.number(proj.roi_pct - base.roi_target_pct, 0)} pts vs target", border=True)
    implied = pj.implied_investment(base.roi_target_pct, plan.annual_total)
    st.caption(f"ROI = (annual revenue impact + cost avoidance − investment) ÷ investment, on "
               f"{money(proj.investment)} (the stored assumption: {inv.basis(money)}). The plan's {fmt.pct(base.roi_target_pct, 0)} is what "
               f"{money(plan.annual_total)} of revenue alone returns on {money(implied)}.")

    st.markdown(f"**Monthly projection.** Revenue-impact level reaches **{money(proj.month_12)}** at month 12 "
                f"(plan {money(plan.month_12)}); at these levels months 1–12 earn "
                f"**{money(proj.outcomes()['year_one_earned'])}**.")
    widgets.table(sc.monthly_table(proj, base), "scenario_monthly_projection", height=220)
    charts.show(charts.revenue_by_month(proj, base), key="biz_monthly")

    st.markdown("**Annual total against the target range**, with the Monte Carlo P10–P90 (tick: P50).")
    charts.show(charts.annual_revenue_range(proj, plan, base, mc), key="biz_annual")
    st.markdown(f"**Cost avoidance by risk**: {money(proj.cost_avoidance)} at these protection targets.")
    widgets.table(sc.cost_table(proj.costs, "scenario_protection", stated_total=S["cost_avoidance_total"]),
                  "scenario_cost_avoidance")
    charts.show(charts.cost_avoidance_waterfall(proj), key="biz_waterfall")

    scenarios.save_form(levers, {**proj.outcomes(), **{k: mc[k] for k in ("p10", "p50", "p90")}})


what_if()

st.subheader("Saved scenarios")
scenarios.saved_note()
saved = scenarios.saved()
if saved.empty:
    st.info("No saved scenarios yet: set the levers above, name the scenario and save it.")
else:
    labels = {int(r.scenario_id): f"{r.name} (#{r.scenario_id})" for r in saved.itertuples()}
    st.markdown(f"**{len(saved)}** saved; they are kept in the database and survive a restart.")
    widgets.table(sc.listing(saved), "saved_scenarios")
    chosen = st.multiselect("Compare side by side", list(labels), default=list(labels)[:2],
                            format_func=labels.get, key="biz_compare")
    if chosen:
        widgets.table(sc.compare(saved.set_index("scenario_id", drop=False).loc[chosen], base),
                      "scenario_comparison")
        st.download_button("⬇ Chosen scenarios, levers and outcomes (CSV)", to_csv_bytes(
            sc.flat(saved.set_index("scenario_id", drop=False).loc[chosen])), "scenarios.csv", "text/csv",
            on_click="ignore")
    pick = st.selectbox("Scenario", list(labels), format_func=labels.get, key="biz_pick")
    c1, c2, _ = st.columns([1, 1, 3])
    c1.button("Load into the levers", key="biz_load",
              on_click=lambda: set_levers(saved.set_index("scenario_id").loc[pick, "levers"]))
    scenarios.delete_button(c2, pick, saved.set_index("scenario_id").loc[pick, "saved_by"])
