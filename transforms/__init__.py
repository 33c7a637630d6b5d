"""Pure computations over plan data: no Streamlit, no files, no database."""
