"""Data."""
import streamlit as st

st.title("Data")
st.caption("Coming soon: upload CSV, XLSX or Parquet, review validation, load, and undo loads.")
