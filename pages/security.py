"""Security and compliance."""
import streamlit as st

st.title("Security and compliance")
st.caption("Coming soon: the security scorecard, vulnerabilities, TCPA and GDPR checklists and the risk matrix.")
