"""Phase progress."""
import streamlit as st

st.title("Phase progress")
st.caption("Coming soon: milestone tables for all three phases, progress per phase and a 12-week timeline.")
