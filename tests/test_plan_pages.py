"""The four plan pages under AppTest, on the plan's week-0 data and with the sample history loaded."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from loaders import sample
from tests.conftest import ROOT
from tests.apptest import run_page, tables  # noqa: E402

PAGES = ("phases", "technical", "security", "teams")


def text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [str(m.value) for m in at.metric] +
                     [c.value for c in at.caption] + [i.value for i in at.info] + [w.value for w in at.warning])


def frames(at: AppTest):
    return tables(at)


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


@pytest.fixture
def with_sample(db):
    sample.load_sample(db)
    return db


@pytest.mark.parametrize("name", PAGES)
def test_pages_run_on_the_plan_alone(db, name):
    at = run_page(name)
    assert not at.exception, [e.value for e in at.exception]
    assert "Showing **sample data**" not in text(at)


def test_phases_week_0(db):
    at = run_page("phases")
    body = text(at)
    assert "**0 of 40** phase milestone targets met" in body and "Phase 2 0/20" in body
    assert "not enough history" in body
    week1 = frames(at)[0]
    assert list(week1.columns) == ["Metric", "Target", "Current", "Status", "Team", "Pace", "History"]
    assert week1.loc[0, "Target"] == "100% APIs" and week1.loc[0, "Status"] == "🔴 Not met"
    business = next(f for f in frames(at) if "Week 8 target" in f.columns)
    assert business.loc[0, "Week 4 target"] == "$1M/month" and business.loc[0, "Week 8 target"] == "$2M/month"
    assert "Week 1 is not over: 0 of 5 met so far" in body and len(charts(at)) == 1


def test_technical_week_0_has_a_plain_empty_chart_state(db):
    at = run_page("technical")
    assert "No latency history yet" in text(at) and not charts(at)
    sla = frames(at)[0]
    assert len(sla) == 14 and set(sla["Pace"]) == {"⚪ not enough history"}
    assert "Implement APM" in set(frames(at)[1]["Action required"])


def test_security_shows_9_5_and_flags_11(db):
    at = run_page("security")
    body = text(at)
    assert "**9.5/100**" in body and "**11/100**" in body
    assert "Data Encryption row says 6 where the implementation gives 4.5" in body
    assert "TCPA compliance score **0%**" in body and "risk level **CRITICAL**" in body
    assert "GDPR compliance score **15%**" in body and "risk level **HIGH**" in body
    assert "0 of 20 category × severity cells have a scan result" in body
    rules = frames(at)[-1]
    assert {"47 U.S.C. § 227(b)(3)", "16 CFR 310.4(b)(3)(iv)", "GDPR Art. 83(5)"} <= set(rules["Source"])
    assert len(charts(at)) == 2                                   # heatmap and risk bubbles


def test_teams_without_history_names_no_champion(db):
    at = run_page("teams")
    body = text(at)
    assert "No sprint velocity recorded yet" in body and "no team award is given" in body
    assert not charts(at)
    assert "**0 of 20** formation steps done" in body


def test_phases_with_sample(with_sample):
    at = run_page("phases")
    body = text(at)
    assert not at.exception and "Showing **sample data**" in body and "plan week **12/12**" in body
    assert "**30 of 40** phase milestone targets met" in body
    assert ("1 of 5 earned at the end of week 1, so the celebration (Emergency response team formation 🚨) stayed "
            "locked; 5 of 5 hold now.") in body
    statuses = set().union(*[set(f["Status"]) for f in frames(at) if "Status" in f])
    assert {"🟢 Met", "🟡 Partial"} <= statuses
    assert "🟢 on track" in " ".join(frames(at)[0]["Pace"])


def test_technical_with_sample_draws_latency_against_the_sla(with_sample):
    at = run_page("technical")
    assert not at.exception and len(charts(at)) == 1
    assert "**p99 41.4 ms** (SLA < 50 ms)" in text(at)
    sla = frames(at)[0].set_index("SLA")
    assert sla.loc["Cache · hit rate", "Pace"].startswith("🔴 off track")
    assert sla.loc["API latency · p99", "Pace"].startswith("🟢 on track (→ 41.")
    latency = next(f for f in frames(at) if "p99" in f.columns)
    assert list(latency.columns) == ["Date", "p50", "p95", "p99"]
    assert latency["Date"].iloc[0] == "13 Jan 2025"                # a day, not a midnight timestamp
    assert latency["p99"].iloc[0].endswith(" ms")


def test_security_with_sample_still_flags_the_plans_11(with_sample):
    at = run_page("security")
    body = text(at)
    assert "**94/100**" in body and "its own rows give **9.5/100**" in body
    assert "20 of 20 category × severity cells" in body


def test_teams_with_sample_heatmap_and_recognition(with_sample):
    at = run_page("teams")
    body = text(at)
    assert not at.exception and len(charts(at)) == 1
    assert "Week 12: **58 points**" in body and "**Weekly velocity targets missed** is 🟠 Pending" in body
    assert "(weeks 1, 2, 3, 4, 12)" in body
    grid = frames(at)[0]
    assert list(grid["Week 12"]) == ["13 pts", "13 pts", "13 pts", "10 pts", "9 pts"]    # points, as people read them
    assert list(grid["Week 1"]) == ["1 pts", "1 pts", "1 pts", "1 pts", "0 pts"]
    recognition = next(f for f in frames(at) if "Sprint Champions" in f.columns).set_index("Week")
    assert recognition.loc[12, "Sprint Champions"] == "Security, Compliance, Infrastructure"    # 13 points each
    rewards = next(f for f in frames(at) if "Reward" in f.columns).set_index("Week")
    assert rewards.loc[2, "Checklist"] == "🔒 Locked: 3 of 5 met at the end of week 2"


def test_after_removing_the_sample_every_page_is_back_to_week_0(with_sample):
    sample.remove_sample(with_sample)
    for name in PAGES:
        at = run_page(name)
        assert not at.exception, (name, [e.value for e in at.exception])
        assert "Showing **sample data**" not in text(at)
    assert "No latency history yet" in text(run_page("technical"))
    assert "No sprint velocity recorded yet" in text(run_page("teams"))
    assert "not enough history" in text(run_page("phases"))
    overview = run_page("overview")
    assert not overview.exception and "55.4/100" in text(overview) and "Showing **sample data**" not in text(overview)


def test_sample_controls_load_and_remove(db):
    def script():
        from ui.sample import sample_controls
        sample_controls("test")
    st.cache_data.clear()
    at = AppTest.from_function(script, default_timeout=60).run()
    assert at.button[0].label == "Load sample history"
    at.button[0].click().run()
    assert not at.exception and at.button[0].label == "Remove sample data"
    at.button[0].click().run()
    assert at.button[0].label == "Load sample history"
