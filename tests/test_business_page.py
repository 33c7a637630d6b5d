"""The business page under AppTest: the plan's computed figures, a slider moving the projection, saving a scenario."""
from __future__ import annotations

import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders import scenarios as store
from tests.conftest import ROOT


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
    for figure in ("$2.1M", "$5.3M", "$7.6M", "$13.9M", "$5.994M", "$1.5M", "$390K", "$200K", "$8.084M",
                   "$6.8M–$12.7M", "**$1.2M above**", "$624K"):
        assert figure in body, figure
    revenue = at.dataframe[0].value
    assert list(revenue.iloc[-1]) == ["Total (computed)", "$0", "$2.1M", "$5.3M", "$7.6M", "$13.9M"]
    assert len(at.get("download_button")) >= 5                         # every table has its CSV
    assert metric(at, "Annual revenue") == "$13.9M"
    assert metric(at, "ROI") == "3,423%"
    assert "lands at **$13.9M** a year, $1.2M above" in body


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
    assert "More customers" in at.dataframe[-1].value.columns[-1]      # the comparison table
    at.slider(key="biz_customers").set_value(10.0).run()
    at.button(key="biz_load").click().run()                            # the saved levers come back
    assert at.slider(key="biz_customers").value == 45
    at.button(key="biz_delete").click().run()
    assert store.saved(db=db).empty
