"""Team performance."""
import streamlit as st

st.title("Team performance")
st.caption("Coming soon: sprint velocity heatmap, team formation, test coverage and code quality.")
