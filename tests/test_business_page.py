"""The business page under AppTest: the plan's computed figures, a slider moving the projection, saving a scenario."""
from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders import assumptions
from loaders import scenarios as store
from tests.conftest import ROOT, report_inputs
from transforms import fmt, report
from tests.apptest import tables  # noqa: E402


def run() -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(ROOT / "pages" / "business.py"), default_timeout=60).run()


def text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_plan_figures_are_computed_and_the_range_gap_is_shown(db):
    at = run()
    assert not at.exception, [e.value for e in at.exception]
    body = text(at)
    for figure in ("**$0** a year against **$2.1M** due at month 3", "**$8.08M** at target protection",
                   "$6.8M–$12.7M", "$624K", "13 people × $4K a person-week × 12 weeks"):
        assert figure in body, figure
    revenue = tables(at)[0]
    assert list(revenue.columns) == ["Stream", "Run-rate now", "Target in force", "Status", "Pace", "Month 3",
                                     "Month 6", "Month 12", "Annual target", "History"]
    assert list(revenue.iloc[-1])[:-1] == ["Total (computed)", "$0", "$2.1M (sum)", "🔴 Not met", "", "$2.1M",
                                           "$5.3M", "$7.6M", "$13.9M"]
    assert revenue["History"].iloc[0].startswith("metric?metric=Revenue+run-rate")   # each stream's history page
    costs = next(d for d in tables(at) if "Avoided so far" in d.columns)
    assert list(costs["At target"]) == ["$5.99M", "$1.5M", "$390K", "$200K", "$8.08M"]
    assert list(costs["Avoided so far"]) == ["$0"] * 5 and costs["Week 0"].iloc[-1] == "13.16%"   # the plan's "~15%"
    assert len(at.get("download_button")) >= 7                         # every table has its CSV
    assert metric(at, "Annual revenue") == "$13.9M"
    assert metric(at, "ROI") == "3,423%"
    assert "lands at **$13.9M** a year, $1.2M above" in body


def test_the_investment_is_edited_on_the_page_and_every_roi_follows(db):
    at = run()
    at.number_input(key="biz_inv_people").set_value(20)
    at.number_input(key="biz_inv_cost").set_value(5000.0)
    at.button(key="FormSubmitter:biz_inv_form-Save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stored = assumptions.read_current(db=db).set_index("name")["value"].to_dict()
    assert stored == {"investment_people": 20, "investment_cost_per_person_week": 5000, "investment_weeks": 12}
    body = text(at)
    assert "20 people × $5K a person-week × 12 weeks = $1.2M" in body
    assert metric(at, "ROI") == fmt.pct((13_900_000 + 8_084_000 - 1_200_000) / 1_200_000 * 100, 0)   # the what-if
    assert "ROI to date **-100%**" in body                            # no revenue or protection gained at week 0
    executive = report.to_markdown(report.build("executive", report_inputs(0)))
    assert "investment 20 people × $5K a person-week × 12 weeks = $1.2M (edited on /business by" in executive
    at.button(key="FormSubmitter:biz_inv_form-Back to the plan's default").click().run()
    assert "13 people × $4K a person-week × 12 weeks = $624K" in text(at)


def test_moving_a_slider_moves_the_projection(db):
    at = run()
    at.slider(key="biz_mult_risk_avoidance_tcpa_fines").set_value(0.0).run()
    assert not at.exception
    assert metric(at, "Annual revenue") == "$8.9M"                      # $13.9M without the $5M stream
    assert "inside the plan's $6.8M–$12.7M target range" in text(at)
    at.slider(key="biz_delay_months").set_value(3.0).run()
    assert float(metric(at, "Annual revenue").strip("$M")) < 8.9


def test_a_preset_sets_the_levers(db):
    at = run()
    at.button_group(key="biz_preset").set_value("Conservative").run()
    assert not at.exception
    assert at.slider(key="biz_customers").value == 20
    assert at.slider(key="biz_delay_months").value == 2
    assert float(metric(at, "Annual revenue").strip("$M")) < 13.9


def test_save_compare_and_delete_from_the_page(db):
    at = run()
    at.slider(key="biz_customers").set_value(45.0).run()
    at.text_input(key="biz_name").input("More customers")
    at.button(key="FormSubmitter:biz_save-Save scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Saved “More customers”" in s.value for s in at.success)
    saved = store.saved(db=db)
    assert list(saved["name"]) == ["More customers"] and saved.loc[0, "levers"]["customers"] == 45
    assert "More customers" in tables(at)[-1].columns[-1]      # the comparison table
    at.slider(key="biz_customers").set_value(10.0).run()
    at.button(key="biz_load").click().run()                            # the saved levers come back
    assert at.slider(key="biz_customers").value == 45
    at.button(key="biz_delete").click().run()
    assert store.saved(db=db).empty
