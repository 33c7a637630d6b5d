"""Business impact."""
import streamlit as st

st.title("Business impact")
st.caption("Coming soon: revenue streams, cost avoidance, customer acquisition and what-if scenarios.")
