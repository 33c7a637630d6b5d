"""Technical performance."""
import streamlit as st

st.title("Technical performance")
st.caption("Coming soon: SLA targets, current performance, load testing and latency trends.")
