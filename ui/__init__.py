"""Streamlit glue shared by the pages: cached reads keyed on the data version, and widgets."""
