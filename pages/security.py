"""Security and compliance: posture scorecard, vulnerabilities, TCPA and GDPR, the risk matrix and the rules."""
import streamlit as st

from transforms import fmt, security
from ui import charts
from ui import data as ui_data
from ui import widgets

data = ui_data.plan_data_as_picked()
snapshot = ui_data.plan_data(0)          # the plan's own week-0 rows, for checking its stated scores

st.title("Security and compliance")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))

st.subheader("Security posture scorecard")
table, score, stated = security.scorecard(data)
_, plan_score, _ = security.scorecard(snapshot)
wrong = security.mismatched_controls(snapshot)
flag = ("; ".join(f"its {c} row says {fmt.number(st_, 2)} where the implementation gives {fmt.number(s, 2)}"
                  for c, st_, s in wrong))
st.markdown(f"Security score **{fmt.number(score, 2)} / 100** (Σ implementation × max score, as of week {data.week}). "
            f"The plan states **{fmt.number(stated, 0)}/100** at week 0, but its own rows give "
            f"**{fmt.number(plan_score, 2)}** — {flag or 'every row agrees'}.")
c1, c2 = st.columns(2)
c1.metric("Security score (computed)", f"{fmt.number(score, 2)} / 100", border=True)
c2.metric("Stated in the plan (week 0)", f"{fmt.number(stated, 0)} / 100", border=True,
          delta=f"its rows give {fmt.number(plan_score, 2)}" if abs(plan_score - stated) > 1e-9 else "consistent",
          delta_color="off", delta_arrow="off")
widgets.table(table, "security_scorecard")

st.subheader("Vulnerability tracking")
counts, targets, states = security.vulnerability_matrix(data)
known = int(counts.notna().sum().sum())
st.markdown(f"{known} of {counts.size} category × severity cells have a scan result; "
            f"{int(counts.fillna(0).sum().sum())} open vulnerabilities in total. Grey cells have no data (not zero).")
widgets.table(security.vulnerability_table(counts, targets), "vulnerabilities")
charts.show(charts.vulnerability_heatmap(counts, targets, states))

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
st.markdown("**Which requirements cover which risk** (`data/plan/compliance_risk_coverage.csv`), with each "
            f"requirement's implementation as of week {data.week}:")
widgets.table(security.coverage_table(data), "compliance_risk_coverage")

st.subheader("Rules behind the checks")
rules = ui_data.reference_table("regulatory_rules")
st.markdown(f"{len(rules)} rules the compliance checks rely on, each with its source and the date it was checked. "
            "They are data (data/plan/regulatory_rules.csv): update the file when a rule changes.")
widgets.table(security.rules_table(rules), "regulatory_rules")
