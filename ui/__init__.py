"""Streamlit glue shared by the pages: cached reads keyed on the data version, and widgets.

Importing it also makes bookmarked URLs work on a fresh server. Streamlit
(1.67) runs a process's first script run in the legacy "pages/ folder" mode
until some run has called st.navigation: a bookmark such as /business opened
right after a restart would run pages/business.py alone, with the folder's
file names as navigation and without app.py's page config. Every page imports
`ui`, so the first such run switches the legacy mode off and reruns, and
app.py's navigation takes over.
"""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
