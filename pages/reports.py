"""Reports."""
import streamlit as st

st.title("Reports")
st.caption("Coming soon: the plan's weekly Executive Summary and Technical Team Report, filled from the data.")
