"""Security and compliance: posture scorecard, vulnerabilities, TCPA and GDPR, the risk matrix and the rules."""
import streamlit as st

from transforms import fmt, kpis, security
from ui import charts
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
snapshot = ui_data.plan_data(0)          # the plan's own week-0 rows, for checking its stated scores

st.title("Security and compliance")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

st.subheader("Security posture scorecard")
table, score, stated = security.scorecard(data)
headline = kpis.security(data)
st.markdown(security.posture_sentence(headline, score, stated, snapshot, data.week))
c1, c2, c3 = st.columns(3)
c1.metric("Security score", headline.shown, border=True, help=f"Target: {headline.target_text}")
c2.metric("Posture scorecard (computed)", fmt.value(score, "score"), border=True)
c3.metric("Scorecard stated in the plan (week 0)", fmt.value(stated, "score"), border=True)
widgets.table(table, "security_scorecard")

st.subheader("Vulnerability tracking")
counts, targets, states = security.vulnerability_matrix(data)
known = int(counts.notna().sum().sum())
st.markdown(f"{known} of {counts.size} category × severity cells have a scan result; "
            f"{int(counts.fillna(0).sum().sum())} open vulnerabilities in total. Grey cells have no data (not zero).")
widgets.table(security.vulnerability_table(counts, targets), "vulnerabilities")
charts.show(charts.vulnerability_heatmap(counts, targets, states))

st.subheader("Compliance")
st.markdown(security.compliance_sentence(kpis.compliance(data), data.week))
for regime, title in (("TCPA", "TCPA compliance (Telephone Consumer Protection Act)"),
                      ("GDPR", "GDPR compliance (General Data Protection Regulation)")):
    st.subheader(title)
    reqs, score, risk = security.compliance(data, regime)
    st.markdown(f"{regime} compliance score **{fmt.pct(score, 1) if score == score else 'no data'}** (mean "
                f"implementation of {len(reqs)} requirements); risk level **{risk}** (the highest risk among "
                "requirements not fully implemented).")
    widgets.table(reqs, f"{regime.lower()}_requirements")

st.subheader("Compliance risk matrix")
risks = security.risk_matrix(data)
st.markdown(security.risk_sentence(risks, security.risk_matrix(snapshot)))
widgets.table(security.risk_table(risks), "compliance_risks")
st.markdown(security.RISK_RULE)
charts.show(charts.compliance_risk_exposure(risks))
st.markdown("**Which requirements cover which risk** (the mapping is data an analyst can edit), with each "
            f"requirement's implementation as of week {data.week}:")
widgets.table(security.coverage_table(data), "compliance_risk_coverage")

st.subheader("Rules behind the checks")
rules = ui_data.reference_table("regulatory_rules")
st.markdown(f"{len(rules)} rules the compliance checks rely on, each with its source and the date it was checked. "
            "They are kept as data beside the plan, so an analyst updates them when a rule changes.")
widgets.table(security.rules_table(rules), "regulatory_rules")
