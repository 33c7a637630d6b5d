"""Business impact: the plan's revenue and cost figures, then what-if scenarios over them."""
from pathlib import Path

import streamlit as st

from loaders import scenarios as store
from loaders.errors import BusyError
from transforms import fmt
from transforms.export import to_csv_bytes
from transforms import projection as pj
from transforms import scenarios as sc
from ui import data as ui_data
from ui import widgets

data = ui_data.plan_data_as_picked()
base, plan, tables = sc.baseline(data), sc.plan_projection(data), sc.plan_tables(data)
specs = sc.lever_specs(base)
money, S = fmt.money, base.stated
CHART_CONFIG = {"displayModeBar": False}         # redrawn on every lever move: no toolbar to lay out
K = "biz_"                                          # session-state prefix of the levers

st.title("Business impact")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
st.caption("The plan's business figures as written on 12 Jan 2025; every total below is computed from its rows.")

st.subheader("Revenue streams")
totals = {c: base.streams[c].sum() for c in ("month_3", "month_6", "month_12", "annual_target")}
over = totals["annual_target"] - base.range_high
st.markdown(f"The five streams add up to **{money(totals['month_3'])}** at month 3, **{money(totals['month_6'])}** "
            f"at month 6 and **{money(totals['month_12'])}** at month 12. Their annual targets sum to "
            f"**{money(totals['annual_target'])}**, which is **{money(over)} above** the plan's own annual "
            f"revenue range of {money(base.range_low)}–{money(base.range_high)}.")
widgets.table(tables["revenue"], "revenue_streams")

st.subheader("Cost avoidance")
st.markdown("Savings = annual exposure × (target − current protection): " + ", ".join(
    f"{r.risk} **{money(r.savings)}**" for r in plan.costs.itertuples()) +
    f"; **{money(plan.cost_avoidance)}** in all, as the plan states.")
widgets.table(tables["costs"], "cost_avoidance",
              caption="Total protections are exposure-weighted; the plan writes ~15% and ~98%.")

st.subheader("Customer acquisition")
st.markdown(f"By month 12 the plan expects **{base.customers:.0f}** new enterprise customers at "
            f"**{money(base.deal_size)}** each: **{money(base.customers * base.deal_size)}** a year, against "
            f"{money(base.streams.set_index('stream_id').loc[pj.CUSTOMER_STREAM, 'month_12'])} in the new-customer "
            "revenue stream at month 12.")
widgets.table(tables["customers"], "customer_acquisition")
st.subheader("Market position")
st.markdown("Targets without a date: market entry, and feature parity ahead of competitors (110%).")
widgets.table(tables["market"], "market_position")

st.header("What-if scenarios")
st.markdown(
    "Move the levers: the projection, the annual total, cost avoidance and ROI follow. **Annual total** is the "
    f"plan's annual target ({money(totals['annual_target'])}) moved by the levers in proportion to the revenue "
    "months 1–12 deliver against the plan's curve; the plan's month columns are levels, joined by a monotone "
    f"curve. **Investment** defaults to {base.people} people ({base.engineers} engineers and "
    f"{base.people - base.engineers} team leads) "
    f"× a loaded $4,000 per engineer-week × 12 weeks = **{money(base.default_investment)}**.")


@ui_data.or_busy
@st.cache_data(show_spinner=False, max_entries=4)
def saved_scenarios(version: tuple):
    """The saved scenarios, read once per data version: any session's save writes the database, which
    changes the version, so every session sees it on its next rerun (a read per rerun cost ~60 ms)."""
    return store.saved(db=Path(version[0]))


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
    return st.number_input(spec.label, **kw) if spec.widget == "number" else st.slider(spec.label, **kw)


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
               f"{money(proj.investment)}. The plan's {fmt.pct(base.roi_target_pct, 0)} is what "
               f"{money(plan.annual_total)} of revenue alone returns on {money(implied)}.")

    st.markdown(f"**Monthly projection.** Revenue-impact level reaches **{money(proj.month_12)}** at month 12 "
                f"(plan {money(plan.month_12)}); at these levels months 1–12 earn "
                f"**{money(proj.outcomes()['year_one_earned'])}**.")
    widgets.table(sc.monthly_table(proj, base), "scenario_monthly_projection", height=220)
    st.plotly_chart(sc.monthly_figure(proj, base), key="biz_monthly", config=CHART_CONFIG)

    st.markdown("**Annual total against the target range**, with the Monte Carlo P10–P90 (tick: P50).")
    st.plotly_chart(sc.annual_figure(proj, plan, base, mc), key="biz_annual", config=CHART_CONFIG)
    st.markdown(f"**Cost avoidance by risk**: {money(proj.cost_avoidance)} at these protection targets.")
    widgets.table(sc.cost_table(proj.costs, "scenario_protection", stated_total=S["cost_avoidance_total"]),
                  "scenario_cost_avoidance")
    st.plotly_chart(sc.waterfall_figure(proj), key="biz_waterfall", config=CHART_CONFIG)

    with st.form("biz_save", clear_on_submit=True, border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        name = c1.text_input("Name this scenario", max_chars=store.MAX_NAME, key="biz_name")
        if c2.form_submit_button("Save scenario"):
            try:
                sid = store.save(name, levers, {**proj.outcomes(), **{k: mc[k] for k in ("p10", "p50", "p90")}})
            except (ValueError, BusyError) as exc:
                st.error(fmt.md_escape(exc))
            else:
                st.session_state["biz_saved"] = f"Saved “{fmt.md_escape(store.clean_name(name))}” as scenario #{sid}."
                st.rerun()


what_if()

st.subheader("Saved scenarios")
if note := st.session_state.pop("biz_saved", None):
    st.success(note)
saved = saved_scenarios(ui_data.version())
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
    if c2.button("Delete", key="biz_delete"):
        ui_data.or_busy(store.delete)(pick)
        st.rerun()
