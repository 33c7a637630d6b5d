"""Alerts."""
import streamlit as st

st.title("Alerts")
st.caption("Coming soon: the plan's alert rules evaluated over the observation history, with escalation chains.")
